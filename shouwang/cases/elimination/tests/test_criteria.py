"""Risk-elimination criteria of policy.md §6.2, each holding and failing, and the refusals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.elimination.criteria import elimination_refusals, evaluate, months_between
from shouwang.cases.models import (
    Case,
    CaseStatus,
    Category,
    EliminationMode,
    Measure,
    MeasureStatus,
    MeasureType,
    ProcedureSettings,
)
from shouwang.monitoring.lines.services import carry_forward
from shouwang.monitoring.models import (
    FeedSignal,
    MonitoringLine,
    Rule,
    Warning,
    WarningChannel,
    WarningStatus,
)
from shouwang.registry.models import HouseholdType, HouseholdYear, Labour, Member
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

YEAR = 2024
TODAY = date(2024, 9, 1)
ASSISTANCE, NATURAL = EliminationMode.ASSISTANCE, EliminationMode.NATURAL


@pytest.fixture(autouse=True)
def line(regions):
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY, defaults={"amount": Decimal("7500")})


def make_case(*, per_capita: str = "10000", identified_on: date = date(2024, 1, 10), measure: str | None = "industry",
              measure_status: str = MeasureStatus.ACTIVE, ex_poor: bool = False, **year_fields) -> Case:
    """A monitored case whose household meets every criterion on TODAY unless told otherwise.

    Three members able to work, income of 2024 ``per_capita`` a head, housing grade A, water
    secured, no dropout, everyone insured; identified on 10 January 2024 with an industry measure.
    """
    hh = make_household(VILLAGE_A1, members=3, year=YEAR, wage=str(Decimal(per_capita) * 3),
                        household_type=HouseholdType.EX_POOR if ex_poor else HouseholdType.ORDINARY)
    HouseholdYear.objects.filter(household=hh).update(**{"housing_grade": "A", **year_fields})
    case = Case.objects.create(household=hh, category=Category.EDGE, first_clue_date=identified_on - timedelta(10),
                               status=CaseStatus.MONITORED, identified_on=identified_on)
    if measure:
        Measure.objects.create(case=case, measure_type=MeasureType.objects.get(code=measure), status=measure_status)
    return case


def criteria(case: Case, today: date = TODAY) -> dict[str, object]:
    return {c.code: c for c in evaluate(case, today)}


def holding(case: Case, today: date = TODAY) -> dict[str, bool]:
    return {code: c.holds for code, c in criteria(case, today).items()}


ALL_HOLD = {"income_stable": True, "guarantees": True, "rigid_spending": True, "no_new_risk": True}


def test_all_criteria_hold_and_nothing_refuses_a_stable_household():
    case = make_case()
    assert holding(case) == ALL_HOLD
    assert all(c.detail for c in evaluate(case, TODAY))
    assert elimination_refusals(case, ASSISTANCE, TODAY) == []
    assert elimination_refusals(case, NATURAL, TODAY) == []


# --- income_stable ------------------------------------------------------------------------------

def test_income_below_line_fails_income_stable():
    case = make_case(per_capita="7000")
    result = criteria(case)["income_stable"]
    assert not result.holds and "7,000.00" in result.detail and "7,500.00" in result.detail
    assert holding(case) == {**ALL_HOLD, "income_stable": False, "rigid_spending": False}


def test_income_above_line_for_too_few_months_fails_income_stable():
    case = make_case(identified_on=date(2024, 5, 10))  # 3 whole months before 1 September
    result = criteria(case)["income_stable"]
    assert not result.holds and "only 3 months" in result.detail and "6" in result.detail


def test_stable_months_come_from_procedure_settings():
    case = make_case(identified_on=date(2024, 5, 10))
    ProcedureSettings.objects.create(region_code=COUNTY, elimination_stable_months=3)
    assert criteria(case)["income_stable"].holds


def test_unidentified_case_has_no_stable_period():
    case = make_case()
    Case.objects.filter(pk=case.pk).update(identified_on=None, status=CaseStatus.IDENTIFYING)
    case.refresh_from_db()
    assert not criteria(case)["income_stable"].holds


def test_household_without_income_record_fails_income_stable():
    case = make_case()
    HouseholdYear.objects.filter(household=case.household).delete()
    assert holding(case) == {**ALL_HOLD, "income_stable": False, "guarantees": False, "rigid_spending": False}


def test_months_between_counts_whole_months():
    assert months_between(date(2024, 3, 15), date(2024, 9, 14)) == 5
    assert months_between(date(2024, 3, 15), date(2024, 9, 15)) == 6
    assert months_between(date(2023, 12, 31), date(2024, 1, 1)) == 0


# --- guarantees ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "words"), [
    ({"dropout": True}, "dropped out"),
    ({"uninsured_member": True}, "no basic medical insurance"),
    ({"housing_grade": "C"}, "grade C"),
    ({"housing_grade": "D"}, "grade D"),
    ({"housing_grade": ""}, "not been appraised"),
    ({"water_secured": False}, "water is not secured"),
])
def test_each_guarantee_gap_fails_guarantees(fields, words):
    case = make_case(**fields)
    result = criteria(case)["guarantees"]
    assert not result.holds and words in result.detail
    assert holding(case) == {**ALL_HOLD, "guarantees": False}


def test_uninsured_member_is_named():
    case = make_case()
    member = case.household.members.last()
    Member.objects.filter(pk=member.pk).update(medical_insured=False)
    result = criteria(case)["guarantees"]
    assert not result.holds and member.name in result.detail


def test_housing_grade_b_is_safe():
    assert criteria(make_case(housing_grade="B"))["guarantees"].holds


# --- rigid_spending -----------------------------------------------------------------------------

def test_out_of_pocket_spending_pushing_income_below_line_fails_rigid_spending():
    case = make_case(compliant_out_of_pocket=Decimal("9000"))  # (30,000 − 9,000) ÷ 3 = 7,000
    result = criteria(case)["rigid_spending"]
    assert not result.holds and "7,000.00" in result.detail
    assert holding(case) == {**ALL_HOLD, "rigid_spending": False}


def test_large_medical_spending_in_last_12_months_fails_rigid_spending():
    case = make_case(ex_poor=True)
    FeedSignal.objects.create(household=case.household, kind=FeedSignal.Kind.MEDICAL_OUT_OF_POCKET,
                              date=date(2024, 3, 1), amount=Decimal("5200"))  # ex-poor threshold 5,000
    result = criteria(case)["rigid_spending"]
    assert not result.holds and "5,200.00" in result.detail and "5,000.00" in result.detail


def test_medical_spending_below_threshold_or_older_than_12_months_is_resolved():
    case = make_case(ex_poor=True)
    kind = FeedSignal.Kind.MEDICAL_OUT_OF_POCKET
    FeedSignal.objects.create(household=case.household, kind=kind, date=date(2023, 8, 1), amount=Decimal("30000"))
    FeedSignal.objects.create(household=case.household, kind=kind, date=date(2024, 8, 1), amount=Decimal("1000"))
    assert criteria(case)["rigid_spending"].holds


# --- no_new_risk --------------------------------------------------------------------------------

def test_open_warning_fails_no_new_risk():
    case = make_case()
    Warning.objects.create(household=case.household, year=YEAR, channel=WarningChannel.VISIT,
                           status=WarningStatus.VERIFYING)
    result = criteria(case)["no_new_risk"]
    assert not result.holds and "1 open warning:" in result.detail
    assert holding(case) == {**ALL_HOLD, "no_new_risk": False}


def test_closed_warnings_are_no_new_risk():
    case = make_case()
    for status in (WarningStatus.DISMISSED, WarningStatus.ESCALATED):
        Warning.objects.create(household=case.household, year=YEAR, channel=WarningChannel.VISIT, status=status)
    assert criteria(case)["no_new_risk"].holds


# --- refusals -----------------------------------------------------------------------------------

def test_every_failing_criterion_is_a_refusal_in_both_modes():
    case = make_case(per_capita="7000", water_secured=False)
    for mode in (ASSISTANCE, NATURAL):
        refusals = elimination_refusals(case, mode, TODAY)
        assert len(refusals) == 3  # income, guarantees, rigid spending
        assert any(r.startswith("Income stably above the monitoring line:") for r in refusals)
        assert any("water is not secured" in r for r in refusals)


def test_no_labour_household_is_refused_and_stays_monitored():
    case = make_case(measure="social_protection")
    Member.objects.filter(household=case.household).update(labour=Labour.NONE)
    for mode in (ASSISTANCE, NATURAL):
        refusals = elimination_refusals(case, mode, TODAY)
        assert len(refusals) == 1, refusals
        assert "no labour capacity" in refusals[0] and "safety-net flag" in refusals[0]


def test_household_marked_without_labour_is_refused():
    case = make_case()
    type(case.household).objects.filter(pk=case.household_id).update(no_labour=True)
    case = Case.objects.get(pk=case.pk)
    assert any("no labour capacity" in r for r in elimination_refusals(case, NATURAL, TODAY))


def test_assistance_elimination_refused_in_month_of_identification_and_the_next():
    ProcedureSettings.objects.create(region_code="", elimination_stable_months=0)
    for identified in (date(2024, 9, 1), date(2024, 8, 1), date(2024, 8, 31)):
        case = make_case(identified_on=identified)
        refusals = elimination_refusals(case, ASSISTANCE, TODAY)
        assert len(refusals) == 1 and "month of identification" in refusals[0], (identified, refusals)
        assert elimination_refusals(case, NATURAL, TODAY) == []  # the rule is for 帮扶消除 only
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.ELIMINATED)
    assert elimination_refusals(make_case(identified_on=date(2024, 7, 31)), ASSISTANCE, TODAY) == []


def test_assistance_elimination_needs_an_implemented_development_measure():
    for measure, status in (("health", MeasureStatus.ACTIVE), ("industry", MeasureStatus.PLANNED),
                            ("employment", MeasureStatus.STOPPED), (None, None)):
        case = make_case(measure=measure, measure_status=status or MeasureStatus.ACTIVE)
        refusals = elimination_refusals(case, ASSISTANCE, TODAY)
        assert len(refusals) == 1 and "industry or employment measure" in refusals[0], (measure, status)
        assert elimination_refusals(case, NATURAL, TODAY) == []
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.ELIMINATED)
    assert elimination_refusals(make_case(measure="employment", measure_status=MeasureStatus.DONE),
                                ASSISTANCE, TODAY) == []


def test_unknown_mode_is_refused():
    assert any("Unknown elimination mode" in r for r in elimination_refusals(make_case(), "magic", TODAY))


def test_records_of_years_after_today_are_not_read():
    case = make_case()
    HouseholdYear.objects.create(household=case.household, year=YEAR + 1, member_count=3, wage_income=Decimal("0"))
    assert holding(case) == ALL_HOLD  # judged on 1 September 2024: the 2025 record does not exist yet


# --- one source with screening: the line and the rule parameters ------------------------------

@pytest.mark.parametrize(("per_capita", "holds"), [("7499", False), ("7500", True), ("7501", True)])
def test_income_stable_at_the_line_one_yuan_below_and_one_above(per_capita, holds):
    assert criteria(make_case(per_capita=per_capita))["income_stable"].holds is holds


def test_a_changed_line_changes_income_stable_and_rigid_spending():
    case = make_case(per_capita="10000")
    assert holding(case) == ALL_HOLD
    MonitoringLine.objects.filter(year=YEAR, region_code=COUNTY).update(amount=Decimal("10000.01"))
    assert holding(case) == {**ALL_HOLD, "income_stable": False, "rigid_spending": False}


def test_a_year_without_a_line_fails_and_names_the_year_never_an_earlier_line():
    case = make_case(per_capita="10000")
    later = date(YEAR + 1, 9, 1)  # 2025 has no line; 2024's (7,500) must not stand in
    assert not MonitoringLine.objects.filter(year=YEAR + 1).exists()
    result = criteria(case, later)
    for code in ("income_stable", "rigid_spending"):
        assert not result[code].holds
        assert "No monitoring line is set for 2025" in result[code].detail
        assert "/monitoring/lines/" in result[code].detail and "2024" not in result[code].detail
    assert any("2025" in refusal for refusal in elimination_refusals(case, NATURAL, later))


def test_a_carried_forward_line_is_the_years_line(personas):
    case = make_case(per_capita="10000")
    later = date(YEAR + 1, 9, 1)
    carry_forward(YEAR + 1, COUNTY, personas["frank"], "县防返贫领导小组会议纪要")
    result = criteria(case, later)["income_stable"]
    assert result.holds and "previous year's line carried forward from 2024" in result.detail


def test_a_changed_medical_parameter_changes_rigid_spending():
    case = make_case(ex_poor=True)
    FeedSignal.objects.create(household=case.household, kind=FeedSignal.Kind.MEDICAL_OUT_OF_POCKET,
                              date=date(2024, 3, 1), amount=Decimal("5200"))
    assert not criteria(case)["rigid_spending"].holds
    params = {"ex_poor_amount": 5200.01, "other_amount": 20000, "income_share": 0.5}
    Rule.objects.filter(code="MEDICAL_SPENDING").update(parameters=params)
    assert criteria(case)["rigid_spending"].holds
    Rule.objects.filter(code="MEDICAL_SPENDING").update(parameters={**params, "ex_poor_amount": 5200})
    result = criteria(case)["rigid_spending"]
    assert not result.holds and "5,200.00 yuan." in result.detail  # the threshold named is the rule's


def test_a_changed_adjusted_income_rule_changes_rigid_spending():
    case = make_case(compliant_out_of_pocket=Decimal("9000"))  # (30,000 − 9,000) ÷ 3 = 7,000
    assert not criteria(case)["rigid_spending"].holds
    Rule.objects.filter(code="ADJUSTED_INCOME_BELOW_LINE").update(active=False)
    assert criteria(case)["rigid_spending"].holds
