"""Honest dates (issue 12, item 4): a notice counts only from the appraisal on, and every step, notice
and measure dated before the day it is recorded is a late entry (补录) with a reason, marked in the
history and listed by the consistency rule ``late_entry``; ``recorded_on`` replays a past day honestly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.consistency.rules import CHECKS_BY_CODE, problems_for
from shouwang.cases.models import (
    Case,
    CaseStatus,
    Measure,
    Notice,
    NoticeKind,
    ProcedureKind,
    Step,
    StepStatus,
    Transition,
)
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.audit import timeline
from shouwang.cases.procedure.lateentry import LateReasonRequired
from shouwang.cases.procedure.refusals import InvalidData, NotAllowedNow
from shouwang.cases.tests.factories import make_case, pdf
from shouwang.monitoring.models import MonitoringLine
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

DAY = date(2024, 9, 2)  # the day the steps are recorded in most tests
CLUE = DAY - timedelta(days=20)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def line(regions):
    MonitoringLine.objects.update_or_create(year=2024, region_code=COUNTY, defaults={"amount": Decimal("7500")})


@pytest.fixture
def levels(personas):
    return {"village": personas["alice"], "township": personas["carol"], "county": personas["erin"]}


def identifying(on: date = CLUE) -> Case:
    """A case opened on ``on`` (its first clue), verification and comparison open."""
    return make_case(make_household(VILLAGE_A1, members=3, year=2024, wage="15000"), first_clue_date=on, today=on)


def step(case: Case, code: str) -> Step:
    return Step.objects.get(procedure__case=case, procedure__status="open", code=code)


def appraised(case: Case, levels, on: date, kind: str = ProcedureKind.IDENTIFICATION) -> Case:
    """The steps before the notice done and recorded on ``on`` (no late entry)."""
    village = levels["village"]
    first = [("verify", village), ("compare", levels["township"])] if kind == ProcedureKind.IDENTIFICATION else [
        ("verify", village)]
    for code, user in first:
        files = {"authorisation": pdf()} if code == "verify" and kind == ProcedureKind.IDENTIFICATION else None
        engine.perform(case, "complete_step", user, data={"step": code}, files=files, recorded_on=on)
    engine.perform(case, "complete_step", village, data={"step": "appraisal"}, reason="Minutes: agreed.",
                   recorded_on=on)
    return case


# --- the notice counts only from the appraisal on -------------------------------------------------

def test_back_dated_notice_does_not_complete_the_notice_step(levels):
    """The report's case: the appraisal done today, a notice recorded today but dated to run from 10 days ago."""
    case = appraised(identifying(), levels, DAY)
    with pytest.raises(InvalidData, match="before the democratic appraisal"):
        create_notice(levels["village"], VILLAGE_A1, [case], starts_on=DAY - timedelta(days=10),
                      ends_on=DAY - timedelta(days=1), recorded_on=DAY, late_reason="Posted on paper.")
    assert not Notice.objects.exists()
    # Put there by other means, it still does not complete the step, and the refusal says why.
    early = Notice.objects.create(region_code=VILLAGE_A1, kind=NoticeKind.IDENTIFICATION,
                                  starts_on=DAY - timedelta(days=10), ends_on=DAY - timedelta(days=1),
                                  recorded_on=DAY)
    early.cases.add(case)
    with pytest.raises(NotAllowedNow, match="before the democratic appraisal was done on 2024-09-02"):
        engine.perform(case, "complete_step", levels["village"], data={"step": "notice"}, recorded_on=DAY)
    assert step(case, "notice").status == StepStatus.OPEN


def test_notice_from_the_appraisal_on_completes_the_step_after_it_ends(levels):
    case = appraised(identifying(), levels, DAY)
    notice = create_notice(levels["village"], VILLAGE_A1, [case], starts_on=DAY, ends_on=DAY + timedelta(days=5),
                           recorded_on=DAY)
    assert (notice.recorded_on, notice.late_reason, notice.is_late_entry) == (DAY, "", False)
    with pytest.raises(NotAllowedNow, match="after it has ended"):
        engine.perform(case, "complete_step", levels["village"], data={"step": "notice"},
                       recorded_on=DAY + timedelta(days=5))
    engine.perform(case, "complete_step", levels["village"], data={"step": "notice"},
                   recorded_on=DAY + timedelta(days=6))
    notice_step = Step.objects.get(procedure__case=case, code="notice")
    assert notice_step.status == StepStatus.DONE and notice_step.done_on == DAY + timedelta(days=6)
    # The posting is part of the case's history.
    posted = Transition.objects.get(case=case, action="post_notice")
    assert posted.data["notice"] == notice.pk and timezone.localdate(posted.at) == DAY


def test_elimination_notice_follows_the_same_rule(levels):
    started = DAY - timedelta(days=3)
    case = make_case(make_household(VILLAGE_A1, members=3, year=2024, wage="30000"),
                     status=CaseStatus.ELIMINATING, today=started)
    appraised(case, levels, DAY, kind=ProcedureKind.ELIMINATION)
    with pytest.raises(InvalidData, match="before the democratic appraisal"):
        create_notice(levels["village"], VILLAGE_A1, [case], kind=NoticeKind.ELIMINATION,
                      starts_on=started, ends_on=DAY + timedelta(days=3), recorded_on=DAY)
    early = Notice.objects.create(region_code=VILLAGE_A1, kind=NoticeKind.ELIMINATION, starts_on=started,
                                  ends_on=DAY + timedelta(days=3), recorded_on=DAY)
    early.cases.add(case)
    with pytest.raises(NotAllowedNow, match="before the democratic appraisal"):
        engine.perform(case, "complete_step", levels["village"], data={"step": "notice"},
                       recorded_on=DAY + timedelta(days=7))
    create_notice(levels["village"], VILLAGE_A1, [case], kind=NoticeKind.ELIMINATION, starts_on=DAY + timedelta(days=1),
                  ends_on=DAY + timedelta(days=6), recorded_on=DAY + timedelta(days=1))
    engine.perform(case, "complete_step", levels["village"], data={"step": "notice"},
                   recorded_on=DAY + timedelta(days=7))
    assert Step.objects.get(procedure__kind="elimination", procedure__case=case, code="notice").status == "done"


# --- late entries ------------------------------------------------------------------------------

def test_past_step_date_needs_a_reason_and_is_marked_and_listed(levels):
    case = identifying()
    done_on = DAY - timedelta(days=4)
    with pytest.raises(LateReasonRequired, match="late entry") as refused:
        engine.perform(case, "complete_step", levels["township"], data={"step": "compare", "done_on": done_on},
                       recorded_on=DAY)
    assert refused.value.status_code == 400
    assert step(case, "compare").status == StepStatus.OPEN
    engine.perform(case, "complete_step", levels["township"], data={"step": "compare", "done_on": done_on},
                   recorded_on=DAY, late_reason="Compared on paper during the outage.")
    compare = Step.objects.get(procedure__case=case, code="compare")
    assert (compare.status, compare.done_on, compare.recorded_on) == (StepStatus.DONE, done_on, DAY)
    assert compare.late_reason == "Compared on paper during the outage." and compare.is_late_entry
    last = timeline(case)[-1]
    assert last.data["late_entry"] == {"on": done_on.isoformat(), "recorded_on": DAY.isoformat(),
                                       "reason": "Compared on paper during the outage."}
    found = dict(CHECKS_BY_CODE["late_entry"].function(Case.objects.all(), DAY))
    assert list(found) == [case.pk]
    assert "2024-08-29" in found[case.pk] and "2024-09-02" in found[case.pk] and "outage" in found[case.pk]
    assert [p.code for p in problems_for(case, DAY)] == ["late_entry"]


def test_step_dates_stay_in_order_and_never_in_the_future(levels):
    case = identifying()
    with pytest.raises(InvalidData, match="after it is recorded"):
        engine.perform(case, "complete_step", levels["township"],
                       data={"step": "compare", "done_on": DAY + timedelta(days=1)}, recorded_on=DAY)
    with pytest.raises(InvalidData, match="cannot be done before"):
        engine.perform(case, "complete_step", levels["township"],
                       data={"step": "compare", "done_on": CLUE - timedelta(days=1)}, recorded_on=DAY,
                       late_reason="x")
    appraised(case, levels, DAY - timedelta(days=2))
    assert not CHECKS_BY_CODE["late_entry"].function(Case.objects.all(), DAY)


def test_past_measure_date_needs_a_reason_and_is_marked_and_listed(levels):
    case = make_case(status=CaseStatus.MONITORED, today=DAY)
    data = {"measure_type": "industry", "status": "active", "starts_on": "2024-06-01"}
    with pytest.raises(LateReasonRequired, match="measure's start date"):
        engine.perform(case, "add_measure", levels["village"], data=data, recorded_on=DAY)
    assert not Measure.objects.filter(case=case).exists()
    engine.perform(case, "add_measure", levels["village"], data=data | {"late_reason": "Paper ledger."},
                   recorded_on=DAY)
    measure = Measure.objects.get(case=case)
    assert (measure.recorded_on, measure.late_reason, measure.is_late_entry) == (DAY, "Paper ledger.", True)
    assert timeline(case)[-1].data["late_entry"]["on"] == "2024-06-01"
    late = [p for p in problems_for(case, DAY) if p.code == "late_entry"]
    assert len(late) == 1 and "Paper ledger." in late[0].detail and late[0].severity == "warning"
    # A measure starting on the day it is recorded, or later, is no late entry.
    engine.perform(case, "add_measure", levels["village"], data=data | {"starts_on": DAY}, recorded_on=DAY)
    assert Measure.objects.filter(case=case, late_reason="").count() == 1


def test_late_notice_needs_a_reason_and_is_marked_and_listed(levels):
    case = appraised(identifying(), levels, DAY - timedelta(days=8))
    kwargs = {"starts_on": DAY - timedelta(days=7), "ends_on": DAY - timedelta(days=1), "recorded_on": DAY}
    with pytest.raises(LateReasonRequired, match="notice's start date"):
        create_notice(levels["village"], VILLAGE_A1, [case], **kwargs)
    notice = create_notice(levels["village"], VILLAGE_A1, [case], late_reason="Posted on the board; typed now.",
                           **kwargs)
    assert notice.is_late_entry and notice.recorded_on == DAY
    posted = Transition.objects.get(case=case, action="post_notice")
    assert posted.data["late_entry"]["reason"] == "Posted on the board; typed now."
    assert "Public notice" in dict(CHECKS_BY_CODE["late_entry"].function(Case.objects.all(), DAY))[case.pk]
    # A late notice dated after the appraisal still counts.
    engine.perform(case, "complete_step", levels["village"], data={"step": "notice"}, recorded_on=DAY)
    assert Step.objects.get(procedure__case=case, code="notice").status == StepStatus.DONE


def test_recorded_on_replays_a_past_day_honestly(levels):
    """A caller playing a past day passes it: the entries are dated that day and are no late entries."""
    past = date(2021, 3, 8)
    case = identifying(past - timedelta(days=2))
    engine.perform(case, "complete_step", levels["township"], data={"step": "compare"}, recorded_on=past)
    compare = Step.objects.get(procedure__case=case, code="compare")
    assert (compare.done_on, compare.recorded_on, compare.late_reason) == (past, past, "")
    assert timezone.localdate(compare.done_at) == past
    last = timeline(case)[-1]
    assert timezone.localdate(last.at) == past and "late_entry" not in last.data
    assert not CHECKS_BY_CODE["late_entry"].function(Case.objects.all(), past)


# --- the case page -------------------------------------------------------------------------------

def test_case_page_asks_the_reason_of_a_past_step_date(client, personas):
    today = timezone.localdate()
    case = identifying(today - timedelta(days=10))
    client.force_login(personas["carol"])
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    form = page[page.index('data-step="compare"'):]
    assert 'name="done_on"' in form and 'name="late_reason"' in form
    assert 'data-late-for="done-on-compare"' in form
    assert " hidden>" in form.split('data-late-for="done-on-compare"')[1][:80]  # until a past date is typed
    posted = {"action": "complete_step", "step": "compare", "done_on": (today - timedelta(days=3)).isoformat()}
    refused = client.post(reverse("cases:case_act", args=[case.pk]), posted)
    assert refused.status_code == 400
    html = refused.content.decode()
    shown = html.split('data-late-for="done-on-compare"')[1][:80]
    assert " hidden" not in shown and "late entry" in html and 'class="field-error"' in html
    assert step(case, "compare").status == StepStatus.OPEN
    done = client.post(reverse("cases:case_act", args=[case.pk]), posted | {"late_reason": "Typed after the outage."})
    assert done.status_code == 302
    html = client.get(reverse("cases:case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'class="badge late-entry"' in html and "Typed after the outage." in html
