"""One open warning per household: every rule, feed, visit and self-report gathers on it as a signal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.models import FeedSignal, Signal, Visit, Warning, WarningChannel, WarningStatus
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household, signal
from shouwang.monitoring.warnings import services as lifecycle
from shouwang.monitoring.warnings.services import add_signal, field_evidence
from shouwang.registry.models import HouseholdYear

SELF_REPORT = WarningChannel.SELF_REPORT
BELOW_LINE = {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE"}


def _self_report(h, risk_type: str = "YB"):
    entry = {"date": "2024-03-02", "name": "张三", "risk_type": risk_type}
    with transaction.atomic():
        return add_signal(h, SELF_REPORT, field_evidence(SELF_REPORT, entry))


def test_screening_a_feed_rule_a_visit_and_a_self_report_gather_on_one_warning(personas):
    h = household(VILLAGE_A1, number="gathered", wage="6000")
    signal(h, FeedSignal.Kind.NEW_DIBAO, date(2023, 6, 30))  # a department feed: the NEW_DIBAO_TEKUN rule
    result = screen(year=2023)
    assert result.signals_added == 3 and result.warnings_created == 1
    warning = Warning.objects.get()
    assert {s.rule.code for s in warning.signals.all()} == BELOW_LINE | {"NEW_DIBAO_TEKUN"}
    # The deadline set when the household was first warned stays as new evidence comes in.
    Warning.objects.filter(pk=warning.pk).update(due_date=date(2030, 1, 10))
    fieldwork.record_visit(Visit(household=h, illness=True), personas["alice"])
    reported = _self_report(h)
    assert reported.warning_id == warning.pk and reported.case_id is None
    warning = Warning.objects.get()  # still the only one
    assert warning.due_date == date(2030, 1, 10) and warning.status == WarningStatus.NEW
    assert sorted(warning.signals.values_list("channel", flat=True)) == ["rule", "rule", "rule", SELF_REPORT, "visit"]
    assert Visit.objects.get().warning_id == warning.pk
    # The warning keeps its first signal's rule and evidence for the lists that sort by them.
    first = warning.signals.order_by("id").first()
    assert (warning.rule_id, warning.evidence) == (first.rule_id, first.evidence)


def test_the_queue_and_its_counts_count_households(client, personas):
    poor = household(VILLAGE_A1, number="poor", wage="6000", dropout=True)
    household(VILLAGE_B1, number="house", housing_grade="D")
    screen(year=2023)
    assert Signal.objects.count() == 4 and Warning.objects.count() == 2
    rows, total = lifecycle.counts_by_area(personas["erin"])
    assert total.new == 2
    client.force_login(personas["alice"])
    html = client.get("/monitoring/warnings/").content.decode()
    assert html.count('href="/monitoring/warnings/') >= 1 and "poor" in html
    queue = list(lifecycle.queue(personas["alice"]))
    assert [w.household_id for w in queue] == [poor.pk]
    # The queue's “why” names every rule gathered on the warning.
    why = lifecycle.signal_labels(queue[0])
    assert len(why) == 3 and all(label for label in why)
    for label in why:
        assert label in html
    # The API lists the signals, each with its evidence.
    body = client.get(f"/api/warnings/{queue[0].pk}/").json()
    assert {s["rule_code"] for s in body["signals"]} == BELOW_LINE | {"DROPOUT"}
    assert all("facts" in s["evidence"] for s in body["signals"])


def test_screening_twice_adds_nothing_and_a_rule_filter_finds_any_signal(personas):
    household(VILLAGE_A1, number="poor", wage="6000", dropout=True)
    first = screen(year=2023)
    again = screen(year=2023)
    assert (first.signals_added, first.warnings_created) == (3, 1)
    assert (again.signals_added, again.signals_unchanged, again.warnings_created) == (0, 3, 0)
    from shouwang.monitoring.warnings.filters import WarningFilter

    for code in ("DROPOUT", "INCOME_BELOW_LINE"):
        rows = WarningFilter.for_page({"rule": code, "status": "all"}, lifecycle.queue(personas["alice"]),
                                      personas["alice"]).rows()
        assert rows.count() == 1, code


def test_dismissal_records_a_reason_per_rule(client, personas):
    household(VILLAGE_A1, number="poor", wage="6000", dropout=True)
    screen(year=2023)
    warning = Warning.objects.get()
    signals = {s.rule.code: s for s in warning.signals.select_related("rule")}
    lifecycle.transition(warning, "verify", personas["alice"])
    with pytest.raises(lifecycle.ReasonRequired):  # one rule without a reason
        lifecycle.transition(warning, "dismiss", personas["alice"], reasons={signals["DROPOUT"].pk: "Back at school."})
    client.force_login(personas["alice"])
    page = client.get(f"/monitoring/warnings/{warning.pk}/").content.decode()
    for s in signals.values():
        assert f'name="reason_{s.pk}"' in page  # a reason field per rule
    response = client.post(f"/monitoring/warnings/{warning.pk}/act/", {
        "action": "dismiss", f"reason_{signals['DROPOUT'].pk}": "Back at school since March.",
        "reason": "Wage slip of 9,000 yuan checked at home.",
    })
    assert response.status_code == 302
    reasons = dict(Signal.objects.values_list("rule__code", "dismissal_reason"))
    assert reasons == {"DROPOUT": "Back at school since March.",
                       "INCOME_BELOW_LINE": "Wage slip of 9,000 yuan checked at home.",
                       "ADJUSTED_INCOME_BELOW_LINE": "Wage slip of 9,000 yuan checked at home."}
    assert not Signal.objects.filter(open=True).exists()
    assert Warning.objects.get().status == WarningStatus.DISMISSED
    # The cadre's answer stands while the facts are the same: screening the year again adds nothing.
    again = screen(year=2023)
    assert (again.signals_added, again.warnings_created) == (0, 0)
    # New facts (a lower income recorded) are new evidence: the income rules fire again, the
    # dropout answered with the same facts does not.
    HouseholdYear.objects.filter(household__number="poor", year=2023).update(wage_income=Decimal("5000"))
    changed = screen(year=2023)
    assert changed.warnings_created == 1
    assert set(Signal.objects.filter(open=True).values_list("rule__code", flat=True)) == BELOW_LINE


def test_a_rule_whose_signal_is_still_open_adds_nothing(personas):
    h = household(VILLAGE_A1, number="poor", wage="6000")
    screen(year=2023)
    rule = Signal.objects.filter(rule__code="INCOME_BELOW_LINE").get().rule
    with transaction.atomic():
        again = add_signal(h, WarningChannel.RULE, {"rule": rule.code}, rule=rule)
    assert again.rule_id == rule.pk and Signal.objects.filter(rule=rule).count() == 1


def test_escalating_without_a_case_handler_is_refused(personas, monkeypatch):
    h = household(VILLAGE_A1, number="poor", wage="6000")
    screen(year=2023)
    warning = Warning.objects.get(household=h)
    lifecycle.transition(warning, "verify", personas["alice"])
    monkeypatch.setattr(lifecycle, "_escalations", [])
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.transition(warning, "escalate", personas["alice"])
    assert Warning.objects.get().status == WarningStatus.VERIFYING and warning.status == WarningStatus.VERIFYING
