"""Risk elimination, rollback and re-identification (policy.md §6.2; issue 4, "Done when")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.elimination.criteria import LABELS
from shouwang.cases.models import (
    CaseSource,
    CaseStatus,
    Category,
    EliminationMode,
    ProcedureKind,
    ProcedureStatus,
)
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.audit import timeline
from shouwang.cases.procedure.opening import open_case
from shouwang.cases.procedure.refusals import InvalidData, NotAllowedNow, NotYourLevel, ReasonRequired
from shouwang.cases.tests.factories import (
    WALK_DAYS,
    make_case,
    make_measure,
    walk_elimination,
    walk_identification,
)
from shouwang.monitoring.models import MonitoringLine, Warning, WarningChannel
from shouwang.registry.models import HouseholdYear, Labour
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

TODAY = date(2024, 9, 2)
IDENTIFIED = date(2024, 1, 10)
NATURAL, ASSISTANCE = EliminationMode.NATURAL, EliminationMode.ASSISTANCE


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def line(regions):
    MonitoringLine.objects.update_or_create(year=2024, region_code=COUNTY, defaults={"amount": Decimal("7500")})


@pytest.fixture
def levels(personas):
    return {"village": personas["alice"], "township": personas["carol"], "county": personas["erin"]}


def stable_case(*, identified_on: date = IDENTIFIED, measure: str | None = "industry", **year_fields):
    """A monitored case whose household meets every criterion on TODAY: 10,000 a head, housing A."""
    household = make_household(VILLAGE_A1, members=3, year=2024, wage="30000")
    HouseholdYear.objects.filter(household=household).update(**{"housing_grade": "A", **year_fields})
    case = make_case(household, status=CaseStatus.MONITORED, identified_on=identified_on,
                     first_clue_date=identified_on - timedelta(days=12), today=TODAY)
    if measure:
        make_measure(case, measure)
    return case


def start(case, user, mode=NATURAL):
    return engine.perform(case, "start_elimination", user, data={"mode": mode}, today=TODAY)


@pytest.mark.parametrize("mode", [NATURAL, ASSISTANCE])
def test_successful_elimination_walks_the_same_levels(personas, levels, mode):
    case = stable_case()
    # Started a week before TODAY: the notice has run and ended by the time the walk reaches it.
    engine.perform(case, "start_elimination", levels["village"], data={"mode": mode},
                   recorded_on=TODAY - timedelta(days=WALK_DAYS))
    assert case.status == CaseStatus.ELIMINATING
    procedure = case.procedures.get(kind=ProcedureKind.ELIMINATION)
    assert procedure.elimination_mode == mode and procedure.status == ProcedureStatus.OPEN
    assert dict(procedure.steps.values_list("code", "status"))["verify"] == "open"
    walk_elimination(case, levels, mode=mode, today=TODAY, until="announce")
    case.refresh_from_db()
    assert (case.status, case.eliminated_on, case.elimination_mode) == (CaseStatus.ELIMINATED, TODAY, mode)
    for code in ("announce", "file"):
        engine.perform(case, "complete_step", levels["township"], data={"step": code}, today=TODAY)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.DONE
    actions = [t.action for t in timeline(case)]
    assert actions[0] == "start_elimination" and "approve_county" in actions
    assert case.procedures.filter(kind=ProcedureKind.IDENTIFICATION, status=ProcedureStatus.DONE).exists()


def test_elimination_is_started_by_the_village_of_a_monitored_case(personas, levels):
    case = stable_case()
    for who in ("carol", "erin", "bob", "grace"):
        with pytest.raises(NotYourLevel):
            start(case, personas[who])
    identifying = make_case(status=CaseStatus.IDENTIFYING, today=TODAY)
    with pytest.raises(NotAllowedNow, match="monitored case"):
        start(identifying, levels["village"])
    with pytest.raises(InvalidData):
        engine.perform(case, "start_elimination", levels["village"], data={"mode": "magic"}, today=TODAY)


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("criterion", "year_fields"), [
    ("income_stable", {"wage_income": Decimal("18000")}),  # 6,000 a head, below 7,500
    ("guarantees", {"housing_grade": "C"}),
    ("guarantees", {"dropout": True}),
    ("rigid_spending", {"compliant_out_of_pocket": Decimal("15000")}),
])
@pytest.mark.parametrize("mode", [NATURAL, ASSISTANCE])
def test_elimination_refused_for_each_failing_criterion(personas, levels, criterion, year_fields, mode):
    case = stable_case(**year_fields)
    with pytest.raises(NotAllowedNow) as refused:
        start(case, levels["village"], mode)
    assert str(LABELS[criterion]) in refused.value.reason
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED and not case.procedures.filter(kind="elimination").exists()
    assert not case.transitions.filter(action="start_elimination").exists()


def test_elimination_refused_while_income_has_not_been_stable_long_enough(personas, levels):
    case = stable_case(identified_on=date(2024, 5, 10))
    with pytest.raises(NotAllowedNow, match="only 3 months"):
        start(case, levels["village"])


def test_elimination_refused_with_an_open_warning_as_new_risk(personas, levels):
    case = stable_case()
    Warning.objects.create(household=case.household, year=2024, channel=WarningChannel.VISIT)
    with pytest.raises(NotAllowedNow) as refused:
        start(case, levels["village"])
    assert str(LABELS["no_new_risk"]) in refused.value.reason


def test_household_without_labour_stays_monitored(personas, levels):
    case = stable_case(measure="social_protection")
    case.household.members.update(labour=Labour.NONE)
    with pytest.raises(NotAllowedNow, match="no labour capacity"):
        start(case, levels["village"], NATURAL)
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED


def test_assistance_elimination_refused_in_the_month_of_identification_and_the_next(personas, levels):
    for identified in (date(2024, 9, 1), date(2024, 8, 5)):
        case = stable_case(identified_on=identified)
        with pytest.raises(NotAllowedNow, match="month of identification"):
            start(case, levels["village"], ASSISTANCE)


def test_assistance_elimination_needs_a_development_measure(personas, levels):
    case = stable_case(measure="health")
    with pytest.raises(NotAllowedNow, match="industry or employment"):
        start(case, levels["village"], ASSISTANCE)
    start(case, levels["village"], NATURAL)  # natural elimination does not need one
    assert case.status == CaseStatus.ELIMINATING


def test_county_checks_the_criteria_again_before_approving(personas, levels):
    case = stable_case()
    walk_elimination(case, levels, today=TODAY, until="county")
    Warning.objects.create(household=case.household, year=2024, channel=WarningChannel.VISIT)
    with pytest.raises(NotAllowedNow) as refused:
        engine.perform(case, "approve_county", levels["county"], today=TODAY)
    assert str(LABELS["no_new_risk"]) in refused.value.reason
    assert case.status == CaseStatus.ELIMINATING


@pytest.mark.parametrize(("until", "level"), [("verify", "village"), ("township", "township"), ("county", "county")])
def test_rejected_elimination_returns_the_case_to_monitoring(personas, levels, until, level):
    case = stable_case()
    walk_elimination(case, levels, today=TODAY, until=until)
    engine.perform(case, "reject", levels[level], reason="Income not stable yet.", today=TODAY)
    assert case.status == CaseStatus.MONITORED
    assert case.procedures.get(kind="elimination").status == ProcedureStatus.REJECTED
    start(case, levels["village"])  # may start again later
    assert case.status == CaseStatus.ELIMINATING


def test_objection_during_elimination_notice_reopens_verification(personas, levels):
    case = stable_case()
    walk_elimination(case, levels, today=TODAY, until="notice")
    create_notice(levels["village"], VILLAGE_A1, [case], kind="elimination",
                  starts_on=TODAY, ends_on=TODAY + timedelta(days=5), recorded_on=TODAY)
    engine.perform(case, "object", levels["township"], reason="Income doubted.", today=TODAY)
    steps = dict(case.procedures.get(kind="elimination").steps.values_list("code", "status"))
    assert (steps["verify"], steps["appraisal"], steps["notice"]) == ("open", "waiting", "waiting")


# --- rollback and re-identification ------------------------------------------------------------

def eliminated(levels):
    case = stable_case()
    walk_elimination(case, levels, today=TODAY)
    case.refresh_from_db()
    assert case.status == CaseStatus.ELIMINATED
    return case


def test_rollback_returns_an_eliminated_case_to_monitoring_keeping_history(personas, levels):
    case = eliminated(levels)
    for who in ("alice", "carol", "grace"):
        with pytest.raises(NotYourLevel):
            engine.perform(case, "rollback_elimination", personas[who], reason="x", today=TODAY)
    with pytest.raises(ReasonRequired):
        engine.perform(case, "rollback_elimination", levels["county"], today=TODAY)
    engine.perform(case, "rollback_elimination", levels["county"],
                     reason="Depends on the minimum living allowance; stability weak.", today=TODAY)
    assert (case.status, case.eliminated_on, case.elimination_mode) == (CaseStatus.MONITORED, None, "")
    last = timeline(case)[-1]
    assert last.action == "rollback_elimination" and last.data == {"eliminated_on": TODAY.isoformat(),
                                                                   "mode": NATURAL}
    assert case.procedures.get(kind="elimination").status == ProcedureStatus.DONE  # the record stays
    with pytest.raises(NotAllowedNow):
        engine.perform(case, "rollback_elimination", levels["county"], reason="again", today=TODAY)


def test_reidentification_on_a_new_risk_opens_a_new_identification_on_the_same_case(personas, levels):
    case = eliminated(levels)
    with pytest.raises(NotYourLevel):
        engine.perform(case, "reidentify", levels["county"], data={"risk_types": ["YX"]}, today=TODAY)
    later = TODAY + timedelta(days=30)
    engine.perform(case, "reidentify", levels["village"], reason="Son started high school.",
                     data={"risk_types": ["YX"], "first_clue_date": later.isoformat()}, today=later)
    assert case.status == CaseStatus.IDENTIFYING and case.identified_on is None and case.first_clue_date == later
    assert list(case.risk_types.values_list("code", flat=True)) == ["YX"]
    kinds = list(case.procedures.order_by("id").values_list("kind", "status"))
    assert kinds == [("identification", "done"), ("elimination", "done"), ("identification", "open")]
    history = timeline(case)[-1]
    assert history.action == "reidentify" and history.data["previous"]["risk_types"] == ["YB"]
    assert history.data["previous"]["eliminated_on"] == TODAY.isoformat()
    walk_identification(case, levels, today=later)
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED and case.identified_on == later


def test_reidentify_only_an_eliminated_case(personas, levels):
    case = stable_case()
    with pytest.raises(NotAllowedNow):
        engine.perform(case, "reidentify", levels["village"], data={"risk_types": ["YX"]}, today=TODAY)


def test_reidentify_refused_while_the_household_has_another_open_case(personas, levels):
    case = eliminated(levels)
    household = case.household
    HouseholdYear.objects.filter(household=household).update(wage_income=Decimal("15000"))
    open_case(household, levels["village"], category=Category.EDGE, risk_types=["QT"],
                       source=CaseSource.DIRECT, first_clue_date=TODAY, today=TODAY)
    with pytest.raises(NotAllowedNow, match="another open case"):
        engine.perform(case, "reidentify", levels["village"], data={"risk_types": ["YX"]}, today=TODAY)
