"""The identification procedure walked through every path (policy.md §6.1; issue 4, "Done when")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1
from shouwang.cases.models import (
    Attachment,
    Case,
    CaseSource,
    CaseStatus,
    Category,
    Measure,
    Notice,
    NoticeKind,
    Procedure,
    ProcedureKind,
    ProcedureSettings,
    ProcedureStatus,
    Step,
    StepStatus,
    Transition,
)
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.audit import timeline
from shouwang.cases.procedure.opening import open_case
from shouwang.cases.procedure.queue import queue as pending_steps
from shouwang.cases.procedure.refusals import InvalidData, NotAllowedNow, NotYourLevel, ReasonRequired
from shouwang.cases.tests.factories import make_case, make_contact, pdf, walk_identification
from shouwang.core.models import ChangeLog
from shouwang.monitoring.models import MonitoringLine, Warning, WarningChannel, WarningStatus
from shouwang.registry.models import Labour
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

TODAY = date(2024, 9, 2)  # a Monday
CLUE = date(2024, 8, 26)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def line(regions):
    MonitoringLine.objects.update_or_create(year=2024, region_code=COUNTY, defaults={"amount": Decimal("7500")})
    MonitoringLine.objects.update_or_create(year=2023, region_code=COUNTY, defaults={"amount": Decimal("7000")})


@pytest.fixture
def levels(personas):
    return {"village": personas["alice"], "township": personas["carol"], "county": personas["erin"]}


def poor_household(village: str = VILLAGE_A1, **fields):
    """An ordinary household below the line (5,000 a head in 2024): an edge household."""
    return make_household(village, members=3, year=2024, wage="15000", **fields)


def opened(personas, household=None, **kwargs) -> Case:
    # Opened on the day of the first clue, so that a walk (``walk_identification``) fits before TODAY.
    kwargs = {"category": Category.EDGE, "risk_types": ["YB"], "source": CaseSource.DIRECT, "first_clue_date": CLUE,
              "today": kwargs.get("first_clue_date", CLUE), **kwargs}
    return open_case(household or poor_household(), personas["alice"], **kwargs)


def steps(case: Case) -> dict[str, str]:
    procedure = case.procedures.order_by("-id").first()
    return dict(procedure.steps.values_list("code", "status"))


def complete(case, code, user, **kw):
    return engine.perform(case, "complete_step", user, data={"step": code}, today=TODAY, **kw)


# --- opening ------------------------------------------------------------------------------------

def test_open_case_starts_identification_with_verify_and_compare_open(personas):
    case = opened(personas, risk_types=["YB", "YX"], today=TODAY)
    assert case.status == CaseStatus.IDENTIFYING and case.region_code == VILLAGE_A1
    assert set(case.risk_types.values_list("code", flat=True)) == {"YB", "YX"}
    assert steps(case) == {"verify": "open", "compare": "open", "appraisal": "waiting", "notice": "waiting",
                           "township": "waiting", "county": "waiting", "announce": "waiting", "file": "waiting"}
    procedure = case.procedures.get()
    assert procedure.due_date == CLUE + timedelta(days=15)
    verify = procedure.steps.get(code="verify")
    assert verify.due_date == TODAY + timedelta(days=3) and verify.opened_on == TODAY
    assert case.transitions.get().action == "open"
    assert ChangeLog.objects.filter(object_type="cases.case", object_id=str(case.pk)).exists()


def test_open_case_from_warning_escalates_the_warning(personas):
    household = poor_household()
    warning = Warning.objects.create(household=household, year=2024, channel=WarningChannel.VISIT)
    case = opened(personas, household, source=CaseSource.WARNING, warning=warning)
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ESCALATED and case.warning_id == warning.pk


def test_second_open_case_for_a_household_is_refused(personas):
    household = poor_household()
    opened(personas, household)
    with pytest.raises(NotAllowedNow, match="already has an open case"):
        opened(personas, household)


def test_category_inconsistent_with_household_is_refused(personas):
    with pytest.raises(NotAllowedNow, match="ex-poor"):
        opened(personas, category=Category.UNSTABLE_EX_POOR)
    assert not Case.objects.exists()


def test_case_opens_before_the_years_income_is_recorded_and_says_the_category_was_not_checked(personas):
    household = make_household(VILLAGE_A1, members=2, year=None)  # no income record at all
    case = opened(personas, household, category=Category.SUDDEN)
    assert case.status == CaseStatus.IDENTIFYING
    assert "no income record" in case.transitions.get().data["category_unchecked"]
    # A contradiction that can be checked still refuses: an ordinary household is no ex-poor one.
    with pytest.raises(NotAllowedNow, match="ex-poor"):
        opened(personas, make_household(VILLAGE_A1, members=2, year=None), category=Category.UNSTABLE_EX_POOR)


@pytest.mark.parametrize("risks", [[], ["YB", "YX", "YC", "YYWSG", "QT", "QLDL"], ["NOPE"]])
def test_one_to_five_known_risk_types(personas, risks):
    with pytest.raises(InvalidData):
        opened(personas, risk_types=risks)


@pytest.mark.parametrize("who", ["bob", "judy", "dave", "grace", "heidi", "ivan", "erin"])
def test_only_village_or_township_of_the_household_opens_a_case(personas, who):
    with pytest.raises(NotYourLevel):
        open_case(poor_household(), personas[who], category=Category.EDGE, risk_types=["YB"],
                           source=CaseSource.DIRECT, first_clue_date=CLUE, today=TODAY)


# --- the full walk ------------------------------------------------------------------------------

def test_full_identification_ends_monitored_with_history(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY)
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED and case.identified_on == TODAY
    procedure = case.procedures.get()
    assert procedure.status == ProcedureStatus.DONE and procedure.closed_at is not None
    assert set(steps(case).values()) == {StepStatus.DONE}
    actions = [t.action for t in timeline(case)]
    assert actions == ["open", "complete_step", "complete_step", "complete_step", "post_notice", "complete_step",
                       "approve_township", "approve_county", "complete_step", "add_contact", "complete_step"]
    # Every step was recorded on the day it was done: no late entry.
    assert not any("late_entry" in t.data for t in timeline(case))
    assert [timezone.localdate(t.at) for t in timeline(case)][:4] == [CLUE] * 4
    levels_seen = [t.level for t in timeline(case)]
    assert levels_seen[-5:] == ["township", "county", "township", "township", "township"]
    assert Attachment.objects.get(case=case).kind == "authorisation"
    assert timeline(case)[1].attachments.count() == 1
    assert ChangeLog.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == len(actions)


def test_appraisal_waits_for_both_verification_and_comparison(personas, levels):
    case = opened(personas)
    complete(case, "verify", levels["village"], files={"authorisation": pdf()})
    assert steps(case)["appraisal"] == "waiting"
    with pytest.raises(NotAllowedNow, match="comes after"):
        complete(case, "appraisal", levels["village"], reason="minutes")
    complete(case, "compare", levels["township"])
    assert steps(case)["appraisal"] == "open"


def test_verification_needs_the_signed_authorisation(personas, levels):
    case = opened(personas)
    with pytest.raises(NotAllowedNow, match="authorisation"):
        complete(case, "verify", levels["village"])
    engine.perform(case, "attach", levels["village"], files={"authorisation": pdf()}, today=TODAY)
    complete(case, "verify", levels["village"])
    assert steps(case)["verify"] == "done"


def test_attachment_of_a_wrong_type_is_refused(personas, levels):
    case = opened(personas)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(InvalidData):
        engine.perform(case, "attach", levels["village"], files={"authorisation": SimpleUploadedFile("x.exe", b"MZ")},
                         today=TODAY)


def test_steps_out_of_order_are_refused(personas, levels):
    case = opened(personas)
    with pytest.raises(NotAllowedNow):
        complete(case, "notice", levels["village"])
    with pytest.raises(NotAllowedNow):
        engine.perform(case, "approve_township", levels["township"], today=TODAY)
    with pytest.raises(NotAllowedNow):
        engine.perform(case, "approve_county", levels["county"], today=TODAY)
    assert steps(case)["township"] == "waiting"


@pytest.mark.parametrize(("who", "step"), [
    ("carol", "verify"), ("erin", "verify"), ("alice", "compare"), ("erin", "compare"),
])
def test_step_by_the_wrong_level_is_refused(personas, who, step):
    case = opened(personas)
    with pytest.raises(NotYourLevel):
        complete(case, step, personas[who], files={"authorisation": pdf()})


@pytest.mark.parametrize(("who", "step"), [
    ("bob", "verify"), ("judy", "verify"), ("dave", "compare"), ("grace", "verify"), ("heidi", "compare"),
    ("ivan", "compare"),
])
def test_step_by_the_wrong_region_or_role_is_refused(personas, who, step):
    case = opened(personas)
    with pytest.raises(NotYourLevel):
        complete(case, step, personas[who], files={"authorisation": pdf()})
    assert steps(case)[step] == "open"


def test_county_step_by_a_township_is_refused_even_when_open(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="county")
    with pytest.raises(NotYourLevel):
        complete(case, "county", levels["township"])
    engine.perform(case, "approve_county", personas["frank"], today=TODAY)  # the county admin acts at county level
    assert steps(case)["county"] == "done"


# --- rejection ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("until", "level"), [
    ("verify", "village"), ("compare", "township"), ("township", "township"), ("county", "county"),
])
def test_rejection_at_each_level_closes_the_case(personas, levels, until, level):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until=until)
    user = levels[level]
    with pytest.raises(ReasonRequired):
        engine.perform(case, "reject", user, today=TODAY)
    engine.perform(case, "reject", user, reason="Income above the line after checking.", today=TODAY)
    assert case.status == CaseStatus.REJECTED
    procedure = case.procedures.get()
    assert procedure.status == ProcedureStatus.REJECTED
    assert not procedure.steps.filter(status__in=("open", "waiting")).exists()
    assert procedure.steps.filter(status="rejected", level=level).exists()
    last = timeline(case)[-1]
    assert (last.action, last.level, last.reason, last.to_status) == (
        "reject", level, "Income above the line after checking.", "rejected")
    # Not open any more: the household may get a new case later.
    assert engine.available_actions(levels["village"], case, TODAY) == []


def test_reject_by_a_level_with_no_step_waiting_is_refused(personas, levels):
    case = opened(personas)
    with pytest.raises(NotAllowedNow):
        engine.perform(case, "reject", levels["county"], reason="no", today=TODAY)


def test_reject_after_county_approval_is_refused(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="announce")
    with pytest.raises(NotAllowedNow, match="already approved"):
        engine.perform(case, "reject", levels["township"], reason="late", today=TODAY)


def test_withdraw_closes_the_identification(personas, levels):
    case = opened(personas)
    engine.perform(case, "withdraw", levels["village"], reason="The household withdrew its application.",
                     today=TODAY)
    assert case.status == CaseStatus.REJECTED
    assert case.procedures.get().status == ProcedureStatus.WITHDRAWN


# --- the notice --------------------------------------------------------------------------------

def test_objection_during_notice_sends_the_case_back_to_verification(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="notice")
    create_notice(levels["village"], VILLAGE_A1, [case], starts_on=TODAY - timedelta(days=2),
                           ends_on=TODAY + timedelta(days=3), recorded_on=TODAY - timedelta(days=2))
    with pytest.raises(ReasonRequired):
        engine.perform(case, "object", levels["village"], today=TODAY)
    with pytest.raises(NotYourLevel):
        engine.perform(case, "object", levels["county"], reason="x", today=TODAY)
    engine.perform(case, "object", levels["village"], reason="A neighbour says the son earns well.", today=TODAY)
    assert steps(case) == {"verify": "open", "compare": "done", "appraisal": "waiting", "notice": "waiting",
                           "township": "waiting", "county": "waiting", "announce": "waiting", "file": "waiting"}
    assert timeline(case)[-1].action == "object"
    # Verification and appraisal run again; the old notice no longer counts even after it ends.
    complete(case, "verify", levels["village"])
    complete(case, "appraisal", levels["village"], reason="Second appraisal: agreed.")
    with pytest.raises(NotAllowedNow, match="before the democratic appraisal"):
        engine.perform(case, "complete_step", levels["village"], data={"step": "notice"},
                       today=TODAY + timedelta(days=10))
    create_notice(levels["village"], VILLAGE_A1, [case], starts_on=TODAY, ends_on=TODAY + timedelta(days=5),
                  recorded_on=TODAY)
    engine.perform(case, "complete_step", levels["village"], data={"step": "notice"}, today=TODAY + timedelta(days=6))
    assert steps(case)["township"] == "open"


def test_objection_is_refused_outside_the_notice(personas, levels):
    case = opened(personas)
    with pytest.raises(NotAllowedNow):
        engine.perform(case, "object", levels["village"], reason="x", today=TODAY)


def test_notice_shorter_than_its_minimum_is_refused(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="notice")
    with pytest.raises(NotAllowedNow, match="at least 5"):
        create_notice(levels["village"], VILLAGE_A1, [case], starts_on=TODAY - timedelta(days=5),
                      ends_on=TODAY - timedelta(days=2), recorded_on=TODAY - timedelta(days=5))
    # A four-day notice put there by other means does not complete the step either.
    short = Notice.objects.create(region_code=VILLAGE_A1, kind=NoticeKind.IDENTIFICATION,
                                  starts_on=TODAY - timedelta(days=5), ends_on=TODAY - timedelta(days=2))
    short.cases.add(case)
    with pytest.raises(NotAllowedNow, match="runs 4 days; at least 5"):
        complete(case, "notice", levels["village"])
    assert steps(case)["notice"] == "open"


def test_notice_minimum_is_configurable_per_region(personas, levels):
    ProcedureSettings.objects.create(region_code=TOWNSHIP_A, notice_min_days=7)
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="notice")
    with pytest.raises(NotAllowedNow, match="at least 7"):
        create_notice(levels["village"], VILLAGE_A1, [case], starts_on=TODAY - timedelta(days=6),
                      ends_on=TODAY - timedelta(days=1), recorded_on=TODAY - timedelta(days=6))


def test_notice_step_waits_until_the_notice_has_ended(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="notice")
    create_notice(levels["village"], VILLAGE_A1, [case], starts_on=TODAY - timedelta(days=2),
                           ends_on=TODAY + timedelta(days=2), recorded_on=TODAY - timedelta(days=2))
    with pytest.raises(NotAllowedNow, match="after it has ended"):
        complete(case, "notice", levels["village"])
    engine.perform(case, "complete_step", levels["village"], data={"step": "notice"}, today=TODAY + timedelta(days=3))
    assert steps(case)["notice"] == "done"


def test_notice_of_an_elimination_does_not_cover_an_identification(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="notice")
    with pytest.raises(NotAllowedNow):
        create_notice(levels["village"], VILLAGE_A1, [case], kind=NoticeKind.ELIMINATION,
                      starts_on=TODAY - timedelta(days=6), ends_on=TODAY - timedelta(days=1),
                      recorded_on=TODAY - timedelta(days=6))
    notice = create_notice(levels["village"], VILLAGE_A1, [case], kind=NoticeKind.BOTH,
                           starts_on=TODAY - timedelta(days=6), ends_on=TODAY - timedelta(days=1),
                           recorded_on=TODAY - timedelta(days=6))
    assert notice.days == 6
    complete(case, "notice", levels["village"])


def test_notice_is_posted_only_by_its_village_or_township(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="notice")
    for who in ("bob", "dave", "erin"):
        with pytest.raises(NotYourLevel):
            create_notice(personas[who], VILLAGE_A1, [case], starts_on=TODAY - timedelta(days=6),
                                   ends_on=TODAY - timedelta(days=1))


# --- deadlines ---------------------------------------------------------------------------------

def test_procedure_past_its_due_date_is_marked_overdue(personas, levels):
    late = opened(personas, first_clue_date=TODAY - timedelta(days=20), today=TODAY)
    on_time = opened(personas, today=TODAY)
    assert late.procedures.get().due_date == TODAY - timedelta(days=5)
    assert late.procedures.get().overdue_on(TODAY) and not on_time.procedures.get().overdue_on(TODAY)
    assert list(Case.objects.overdue(TODAY)) == [late]
    flags = dict(Case.objects.with_overdue(TODAY).values_list("pk", "is_overdue"))
    assert flags == {late.pk: True, on_time.pk: False}
    # Steps opened after the procedure's due date are due at once, and overdue the day after.
    queue = {s.procedure.case_id: s for s in pending_steps(levels["village"], TODAY + timedelta(days=1))}
    assert queue[late.pk].is_overdue and queue[late.pk].due_date == TODAY
    assert not queue[on_time.pk].is_overdue
    assert Step.objects.overdue(TODAY + timedelta(days=4)).filter(procedure__case=on_time).exists()


def test_working_day_limits_skip_weekends(personas):
    ProcedureSettings.objects.create(region_code="", total_days=10, day_kind="working")
    case = opened(personas, first_clue_date=date(2024, 8, 30), today=TODAY)  # a Friday
    assert case.procedures.get().due_date == date(2024, 9, 13)
    assert case.procedures.get().steps.get(code="verify").due_date == date(2024, 9, 5)  # 3 working days


def test_closed_procedure_is_not_overdue(personas, levels):
    case = opened(personas, first_clue_date=TODAY - timedelta(days=20))
    engine.perform(case, "reject", levels["village"], reason="Not eligible.", today=TODAY)
    assert not Case.objects.overdue(TODAY).exists()


# --- queues ------------------------------------------------------------------------------------

def test_queue_shows_each_level_its_own_open_steps_by_due_date(personas, levels):
    first = opened(personas, first_clue_date=TODAY - timedelta(days=10))
    second = opened(personas)
    in_b = open_case(poor_household("433122104201"), personas["judy"], category=Category.EDGE,
                              risk_types=["YB"], source=CaseSource.DIRECT, first_clue_date=CLUE, today=TODAY)
    assert [(s.procedure.case_id, s.code) for s in pending_steps(personas["alice"], TODAY)] == [
        (first.pk, "verify"), (second.pk, "verify")]
    assert {s.code for s in pending_steps(personas["carol"], TODAY)} == {"compare"}
    assert {s.procedure.case_id for s in pending_steps(personas["carol"], TODAY)} == {first.pk, second.pk}
    assert {s.procedure.case_id for s in pending_steps(personas["dave"], TODAY)} == {in_b.pk}
    for who in ("bob", "erin", "grace", "heidi", "ivan"):
        assert not pending_steps(personas[who], TODAY).exists(), who
    walk_identification(first, levels, today=TODAY, until="county")
    assert [(s.procedure.case_id, s.code) for s in pending_steps(personas["erin"], TODAY)] == [(first.pk, "county")]
    assert [s.code for s in pending_steps(personas["frank"], TODAY)] == ["county"]


# --- available actions -------------------------------------------------------------------------

def names(user, case, today=TODAY):
    return [(a.name, a.step_code) for a in engine.available_actions(user, case, today)]


def test_available_actions_follow_level_and_stage(personas, levels):
    case = opened(personas)
    assert ("complete_step", "verify") in names(personas["alice"], case)
    assert ("reject", "") in names(personas["alice"], case)
    assert ("complete_step", "compare") in names(personas["carol"], case)
    assert ("complete_step", "verify") not in names(personas["carol"], case)
    assert not any(n == "complete_step" for n, _s in names(personas["erin"], case))
    assert not any(n == "add_measure" for n, _s in names(personas["alice"], case))  # not a disaster case
    for who in ("bob", "dave", "grace", "heidi", "ivan"):
        assert names(personas[who], case) == []
    walk_identification(case, levels, today=TODAY, until="county")
    assert ("approve_county", "county") in names(personas["erin"], case)
    blocked = {a.name: a.blocked for a in engine.available_actions(personas["alice"], case, TODAY, explain=True)}
    assert "approve_county" not in blocked


def test_explain_says_what_a_step_still_needs(personas):
    case = opened(personas)
    explained = {(a.name, a.step_code): a.blocked
                 for a in engine.available_actions(personas["alice"], case, TODAY, explain=True)}
    assert "authorisation" in explained[("complete_step", "verify")]


# --- approval, contact, green channel ----------------------------------------------------------

def test_filing_needs_a_current_assistance_contact(personas, levels):
    case = opened(personas)
    walk_identification(case, levels, today=TODAY, until="file")
    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFYING and case.identified_on == TODAY
    make_contact(case, starts_on=TODAY - timedelta(days=100), ends_on=TODAY - timedelta(days=1))  # no longer current
    with pytest.raises(NotAllowedNow, match="assistance contact"):
        complete(case, "file", levels["township"])
    engine.perform(case, "add_contact", levels["village"], data={"name": "李四", "unit": "镇政府",
                                                                   "phone": "13812345678"}, today=TODAY)
    contact = case.contacts.current(TODAY).get()
    assert contact.phone_masked == "138****5678" and contact.phone == "13812345678"
    assert "13812345678" not in str(timeline(case)[-1].data)
    complete(case, "file", levels["township"])
    assert case.status == CaseStatus.MONITORED


def test_household_without_labour_is_filed_with_the_safety_net_flag(personas, levels):
    household = poor_household()
    household.members.update(labour=Labour.NONE)
    case = opened(personas, household)
    walk_identification(case, levels, today=TODAY)
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED and case.no_labour_safety_net


def test_measures_wait_for_county_approval_on_an_ordinary_case(personas, levels):
    case = opened(personas)
    with pytest.raises(NotAllowedNow, match="green channel"):
        engine.perform(case, "add_measure", levels["village"], data={"measure_type": "health"}, today=TODAY)
    walk_identification(case, levels, today=TODAY, until="announce")
    engine.perform(case, "add_measure", levels["township"], data={
        "measure_type": "health", "responsible_unit": "县医保局", "amount": "1200.50", "status": "active"},
        today=TODAY)
    measure = Measure.objects.get(case=case)
    assert measure.amount == Decimal("1200.50") and not measure.green_channel and measure.region_code == VILLAGE_A1


@pytest.mark.parametrize("risk", ["YZRZH", "YZRZH_HL"])
def test_disaster_case_gets_measures_before_approval_through_the_green_channel(personas, levels, risk):
    case = opened(personas, risk_types=[risk], disaster_note="2024-07 flood")
    engine.perform(case, "add_measure", levels["village"], data={
        "measure_type": "housing", "description": "Temporary shelter", "amount": "3000"}, today=TODAY)
    case.refresh_from_db()
    measure = Measure.objects.get(case=case)
    assert measure.green_channel and case.green_channel and case.status == CaseStatus.IDENTIFYING
    assert timeline(case)[-1].data["green_channel"] is True
    assert ("add_measure", "") in names(personas["carol"], case)


def test_measure_with_unknown_type_or_member_of_another_household_is_refused(personas, levels):
    case = make_case(status=CaseStatus.MONITORED)
    other = make_household(VILLAGE_A1)
    with pytest.raises(InvalidData):
        engine.perform(case, "add_measure", levels["village"], data={"measure_type": "nope"}, today=TODAY)
    with pytest.raises(InvalidData):
        engine.perform(case, "add_measure", levels["village"], data={
            "measure_type": "health", "member": other.members.first().pk}, today=TODAY)
    engine.perform(case, "add_measure", levels["village"], data={
        "measure_type": "health", "member": case.household.members.first().pk}, today=TODAY)
    assert Measure.objects.get(case=case).member.household_id == case.household_id


# --- factories ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", list(CaseStatus))
def test_make_case_builds_each_state(regions, status):
    case = make_case(status=status, today=TODAY)
    assert case.status == status
    open_kinds = list(case.procedures.filter(status=ProcedureStatus.OPEN).values_list("kind", flat=True))
    expected = {CaseStatus.IDENTIFYING: [ProcedureKind.IDENTIFICATION],
                CaseStatus.ELIMINATING: [ProcedureKind.ELIMINATION]}.get(status, [])
    assert open_kinds == expected
    if status in (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED):
        assert case.identified_on and case.contacts.exists()
    assert Procedure.objects.filter(case=case).exists() and Transition.objects.filter(case=case).count() == 0


# --- screening suppression ---------------------------------------------------------------------

def test_screening_raises_no_new_warning_for_the_rule_behind_an_open_case(personas):
    from shouwang.monitoring.models import Signal
    from shouwang.monitoring.screening.services import screen

    household = poor_household()
    screen(year=2024)
    warning = Warning.objects.get(household=household)  # one warning, whatever number of rules fired
    fired = set(warning.signals.values_list("rule__code", flat=True))
    assert "INCOME_BELOW_LINE" in fired
    case = opened(personas, household, source=CaseSource.WARNING, warning=warning)
    # Escalated with the case: its signals are the case's now, and screening again adds nothing.
    assert set(Signal.objects.filter(case_id=case.pk, open=True).values_list("rule__code", flat=True)) == fired
    assert screen(year=2024).signals_added == 0
    assert not Warning.objects.filter(household=household, status="new").exists()
    # Once the case is closed, its signals close, and the rules may warn again.
    engine.perform(case, "reject", personas["alice"], reason="Not eligible.", today=TODAY)
    assert not Signal.objects.filter(case_id=case.pk, open=True).exists()
    screen(year=2024)
    assert Warning.objects.filter(household=household, rule__code__in=fired, status="new").exists()
