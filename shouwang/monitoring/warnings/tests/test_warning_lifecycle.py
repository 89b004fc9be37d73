"""The warning lifecycle: who may move a warning, where to, and the audit each move leaves."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.anchors import verify_chain
from shouwang.core.calendar import add_working_days
from shouwang.core.models import ChangeLog
from shouwang.monitoring.models import Warning, WarningChannel, WarningStatus, WarningTransition
from shouwang.monitoring.tests.warning_helpers import make_warning
from shouwang.monitoring.warnings import services as lifecycle

pytestmark = pytest.mark.django_db


def test_verify_then_dismiss_with_reason_records_each_transition(personas):
    w = make_warning(VILLAGE_A1)
    lifecycle.transition(w, "verify", personas["alice"])
    lifecycle.transition(w, "dismiss", personas["alice"], "  Income from a new job, checked at home. ")
    w.refresh_from_db()
    assert w.status == WarningStatus.DISMISSED
    assert w.closed_by == personas["alice"] and w.closed_at is not None
    assert w.closing_note == "Income from a new job, checked at home."
    steps = list(WarningTransition.objects.filter(warning=w).values_list("from_status", "to_status", "username",
                                                                          "reason"))
    assert steps == [("new", "verifying", "alice", ""),
                     ("verifying", "dismissed", "alice", "Income from a new job, checked at home.")]


def test_every_transition_lands_in_the_change_log(personas):
    w = make_warning(VILLAGE_A1, wage="6000")
    lifecycle.transition(w, "verify", personas["carol"])
    lifecycle.transition(w, "escalate", personas["carol"], "Serious illness confirmed")
    entries = list(ChangeLog.objects.filter(object_type="monitoring.warning", object_id=str(w.pk)).order_by("id"))
    assert [(e.before["status"], e.after["status"], e.username) for e in entries] == [
        ("new", "verifying", "carol"), ("verifying", "escalated", "carol"),
    ]
    assert entries[1].after["reason"] == "Serious illness confirmed"
    assert entries[0].region_code == VILLAGE_A1
    assert verify_chain(ChangeLog)[1] == []


def test_escalated_keeps_who_when_and_note(personas):
    w = make_warning(VILLAGE_B1, wage="6000")
    lifecycle.transition(w, "verify", personas["judy"])
    lifecycle.transition(w, "escalate", personas["judy"], "")
    w.refresh_from_db()
    assert w.status == WarningStatus.ESCALATED and w.closed_by == personas["judy"] and w.closing_note == ""


def test_dismiss_needs_a_reason(personas):
    w = make_warning(VILLAGE_A1, status=WarningStatus.VERIFYING)
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.transition(w, "dismiss", personas["alice"], "   ")
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.VERIFYING
    assert not WarningTransition.objects.exists()


@pytest.mark.parametrize("action", ["dismiss", "escalate"])
def test_a_new_warning_must_be_verified_before_it_is_closed(personas, action):
    w = make_warning(VILLAGE_A1)
    with pytest.raises(lifecycle.TransitionNotAllowed, match="under verification"):
        lifecycle.transition(w, action, personas["alice"], "reason")
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.NEW


@pytest.mark.parametrize("status", [WarningStatus.VERIFYING, WarningStatus.DISMISSED, WarningStatus.ESCALATED])
def test_only_a_new_warning_can_be_taken_up(personas, status):
    w = make_warning(VILLAGE_A1, status=status)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.transition(w, "verify", personas["alice"])


def test_a_stale_copy_cannot_move_a_warning_someone_else_moved(personas):
    w = make_warning(VILLAGE_A1)
    stale = Warning.objects.get(pk=w.pk)
    lifecycle.transition(w, "verify", personas["alice"])
    lifecycle.transition(w, "dismiss", personas["alice"], "checked")
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.transition(stale, "verify", personas["carol"])
    assert WarningTransition.objects.filter(warning=w).count() == 2


@pytest.mark.parametrize("name", ["alice", "carol"])
def test_village_and_township_staff_of_the_region_may_act(personas, name):
    w = make_warning(VILLAGE_A1)
    assert [a.code for a in lifecycle.available_actions(personas[name], w)] == ["verify"]
    lifecycle.transition(w, "verify", personas[name])
    assert [a.code for a in lifecycle.available_actions(personas[name], w)] == ["dismiss", "escalate"]


@pytest.mark.parametrize("name", ["bob", "judy", "dave", "erin", "frank", "grace", "heidi", "ivan"])
def test_everyone_else_is_refused(personas, name):
    w = make_warning(VILLAGE_A1)
    assert lifecycle.available_actions(personas[name], w) == []
    with pytest.raises(PermissionDenied):
        lifecycle.transition(w, "verify", personas[name])
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.NEW
    assert not ChangeLog.objects.filter(object_type="monitoring.warning").exists()


def test_unknown_action_is_refused(personas):
    w = make_warning(VILLAGE_A1)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.transition(w, "approve", personas["alice"])


# --- overdue ----------------------------------------------------------------------------------


def test_overdue_is_open_and_past_the_due_date(personas):
    due = date(2024, 3, 8)
    on_time = make_warning(VILLAGE_A1, due=due)
    verifying = make_warning(VILLAGE_A1, due=date(2024, 3, 7), status=WarningStatus.VERIFYING)
    make_warning(VILLAGE_A1, due=date(2024, 3, 1), status=WarningStatus.DISMISSED)
    make_warning(VILLAGE_A1, due=date(2024, 3, 1), status=WarningStatus.ESCALATED)
    assert not Warning.objects.overdue(date(2024, 3, 7)).exists()
    assert set(Warning.objects.overdue(date(2024, 3, 8))) == {verifying}  # the due date itself is not late
    assert set(Warning.objects.overdue(date(2024, 3, 9))) == {on_time, verifying}
    flags = dict(Warning.objects.with_overdue(date(2024, 3, 9)).values_list("pk", "is_overdue"))
    assert flags[on_time.pk] and flags[verifying.pk] and sum(flags.values()) == 2
    assert on_time.overdue_on(date(2024, 3, 9)) and not on_time.overdue_on(date(2024, 3, 8))


def test_a_warning_without_a_deadline_gets_the_configured_working_days(personas, settings, monkeypatch):
    settings.SHOUWANG_WARNING_VERIFY_DAYS = 3
    friday = date(2024, 3, 8)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: friday)
    w = make_warning(VILLAGE_A1, due=None, rule_code=None, channel=WarningChannel.SELF_REPORT,
                     evidence={"difficulty": "illness"})
    assert w.due_date == date(2024, 3, 13) == add_working_days(friday, 3)  # Mon, Tue, Wed


def test_the_queue_is_ordered_by_due_date_and_marks_overdue(personas):
    late = make_warning(VILLAGE_A1, due=date(2024, 3, 1), number="late")
    soon = make_warning(VILLAGE_A1, due=date(2024, 3, 20), number="soon")
    sooner = make_warning(VILLAGE_A1, due=date(2024, 3, 10), number="sooner")
    make_warning(VILLAGE_A2, due=date(2024, 2, 1), number="other-village")
    rows = list(lifecycle.queue(personas["alice"], date(2024, 3, 5)))
    assert rows == [late, sooner, soon]
    assert [w.is_overdue for w in rows] == [True, False, False]


# --- counts -----------------------------------------------------------------------------------


def test_counts_by_township_for_the_county(personas):
    on = date(2024, 3, 5)
    make_warning(VILLAGE_A1, due=date(2024, 3, 1))  # new, overdue
    make_warning(VILLAGE_A2, due=date(2024, 3, 9), status=WarningStatus.VERIFYING)
    make_warning(VILLAGE_A2, due=date(2024, 3, 1), status=WarningStatus.VERIFYING)  # overdue
    make_warning(VILLAGE_A1, due=date(2024, 3, 1), status=WarningStatus.DISMISSED)
    make_warning(VILLAGE_B1, due=date(2024, 3, 9))
    make_warning(VILLAGE_B1, due=date(2024, 3, 1), status=WarningStatus.ESCALATED)
    rows, total = lifecycle.counts_by_area(personas["erin"], on)
    by_code = {r.code: r for r in rows}
    a, b = by_code["433122102"], by_code["433122104"]
    assert (a.name, a.new, a.verifying, a.overdue, a.dismissed, a.escalated) == ("达岚镇", 1, 2, 2, 1, 0)
    assert (b.new, b.verifying, b.overdue, b.dismissed, b.escalated) == (1, 0, 0, 0, 1)
    assert all(len(code) == 9 for code in by_code)
    quiet = [r for r in rows if r.code not in ("433122102", "433122104")]
    assert quiet and all(r.new == r.verifying == r.overdue == r.dismissed == r.escalated == 0 for r in quiet)
    assert (total.new, total.verifying, total.overdue, total.dismissed, total.escalated) == (2, 2, 2, 1, 1)


def test_a_township_officer_counts_by_village_in_their_township_only(personas):
    make_warning(VILLAGE_A1)
    make_warning(VILLAGE_A2)
    make_warning(VILLAGE_A2)
    make_warning(VILLAGE_B1)
    rows, total = lifecycle.counts_by_area(personas["carol"], date(2024, 3, 5))
    by_code = {r.code: r.new for r in rows}
    assert by_code[VILLAGE_A1] == 1 and by_code[VILLAGE_A2] == 2 and VILLAGE_B1 not in by_code
    assert total.new == 3


def test_the_department_officer_counts_nothing(personas):
    make_warning(VILLAGE_A1)
    rows, total = lifecycle.counts_by_area(personas["ivan"], date(2024, 3, 5))
    assert rows == [] and total.new == 0


# --- evidence ---------------------------------------------------------------------------------


def test_rule_evidence_reads_as_rule_facts_and_parameters(personas):
    w = make_warning(VILLAGE_A1, rule_code="INCOME_DROP", evidence={
        "rule": "INCOME_DROP", "rule_version": 1, "expression": "income_change <= -drop",
        "facts": {"income_change": -0.35, "per_capita_income": 6500, "line": 7500},
        "parameters": {"drop": 0.3, "line_multiple": 1.5}, "window": ["2023-01-01", "2023-12-31"],
    })
    ev = lifecycle.describe_evidence(w)
    assert ev.rule_code == "INCOME_DROP" and ev.title == "Sharp drop in income" and ev.rule_version == 1
    assert [(r.name, r.value) for r in ev.facts] == [
        ("income_change", "-35.0 %"), ("per_capita_income", "6,500"), ("line", "7,500"),
    ]
    assert "previous" in ev.facts[0].label
    assert [(r.name, r.value) for r in ev.parameters] == [("drop", "0.30"), ("line_multiple", "1.50")]
    assert ev.window == ("2023-01-01", "2023-12-31")


def test_evidence_without_a_rule_is_shown_and_hides_personal_numbers(personas):
    w = make_warning(VILLAGE_A1, rule_code=None, channel=WarningChannel.SELF_REPORT, evidence={
        "difficulty": "illness", "description": "Hospital bills", "id_number": "433122195001010011",
        "reporter": {"name": "张三", "phone": "13800001111", "phone_masked": "138****1111"},
    })
    ev = lifecycle.describe_evidence(w)
    shown = {r.name: r.value for r in ev.other}
    assert shown["difficulty"] == "illness" and shown["reporter.phone_masked"] == "138****1111"
    assert "id_number" not in shown and "reporter.phone" not in shown
    assert ev.title == "Household self-report"
    public = lifecycle.public_evidence(w.evidence)
    assert "id_number" not in public and "phone" not in public["reporter"]


def test_overdue_command_lists_what_is_late_on_a_given_day(personas):
    import json
    from io import StringIO

    from django.core.management import call_command

    make_warning(VILLAGE_A1, due=date(2024, 3, 1), number="late-a1")
    make_warning(VILLAGE_B1, due=date(2024, 3, 4), number="late-b1", status=WarningStatus.VERIFYING)
    make_warning(VILLAGE_B1, due=date(2024, 3, 5), number="due-today")
    make_warning(VILLAGE_A1, due=date(2024, 3, 1), number="closed", status=WarningStatus.DISMISSED)
    out = StringIO()
    call_command("overdue_warnings", "--today", "2024-03-05", "--json", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["household"], r["days_late"]) for r in rows] == [("late-a1", 4), ("late-b1", 1)]
    out = StringIO()
    call_command("overdue_warnings", "--today", "2024-03-05", "--region", "433122104", stdout=out)
    assert "late-b1" in out.getvalue() and "late-a1" not in out.getvalue()
    assert "1 overdue warning as of 2024-03-05" in out.getvalue()
    assert Warning.objects.filter(status=WarningStatus.NEW).count() == 2  # nothing was changed
