"""Consistency rules (policy.md §4.1, §4.3, §6.2): each finds its case in a test registry and nothing else."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.consistency.rules import CHECKS, CHECKS_BY_CODE, find_problems, problems_for
from shouwang.cases.models import (
    AssistanceContact,
    Case,
    CaseStatus,
    Category,
    EliminationMode,
    Measure,
    MeasureStatus,
    MeasureType,
    RiskType,
)
from shouwang.monitoring.models import MonitoringLine
from shouwang.registry.models import HouseholdYear, Labour, Member
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

YEAR = 2024
TODAY = date(2024, 9, 1)
M, E, IDENT, R = CaseStatus.MONITORED, CaseStatus.ELIMINATED, CaseStatus.IDENTIFYING, CaseStatus.REJECTED
ACTIVE, DONE, STOPPED = MeasureStatus.ACTIVE, MeasureStatus.DONE, MeasureStatus.STOPPED


def make_case(status: str, *, village: str = VILLAGE_A1, risks: tuple[str, ...] = ("QT",), labour: bool = True,
              measures: tuple[tuple[str, str], ...] = (), contact: str | None = "current", per_capita: str = "10000",
              dropout: bool = False, mode: str = "", safety_net: bool = False, older_years: tuple[dict, ...] = ()
              ) -> Case:
    """A case in ``status`` with exactly the facts the consistency rules read, given explicitly."""
    hh = make_household(village, members=2, year=YEAR, wage=str(Decimal(per_capita) * 2))
    HouseholdYear.objects.filter(household=hh).update(dropout=dropout, housing_grade="A")
    for i, fields in enumerate(older_years, start=1):
        HouseholdYear.objects.create(household=hh, year=YEAR - i, member_count=2, wage_income=Decimal("20000"),
                                     **fields)
    if not labour:
        Member.objects.filter(household=hh).update(labour=Labour.NONE)
    identified = status in (M, E, CaseStatus.ELIMINATING)
    case = Case.objects.create(
        household=hh, category=Category.EDGE, first_clue_date=date(2024, 1, 1), status=status,
        identified_on=date(2024, 1, 10) if identified else None,
        eliminated_on=date(2024, 8, 1) if status == E else None, elimination_mode=mode,
        no_labour_safety_net=safety_net,
    )
    case.risk_types.set(RiskType.objects.filter(code__in=risks))
    for code, measure_status in measures:
        Measure.objects.create(case=case, measure_type=MeasureType.objects.get(code=code), status=measure_status)
    if contact == "current":
        AssistanceContact.objects.create(case=case, name="帮扶人", starts_on=date(2024, 1, 10))
    elif contact == "ended":
        AssistanceContact.objects.create(case=case, name="帮扶人", starts_on=date(2024, 1, 10),
                                         ends_on=date(2024, 6, 30))
    return case


def late_measure(case: Case) -> Case:
    """The case's measures started a month before they were recorded: a late entry (补录), with its reason."""
    Measure.objects.filter(case=case).update(starts_on=date(2024, 3, 1), recorded_on=date(2024, 4, 1),
                                             late_reason="Paper record entered after the audit.")
    return case


@pytest.fixture
def registry(regions):
    """One offender per rule, cases that break nothing, and an offender in another township."""
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY, defaults={"amount": Decimal("7500")})
    industry = (("industry", ACTIVE),)
    c = {
        # offenders, each breaking exactly one rule
        "labour_without_development": make_case(M, measures=(("health", ACTIVE),)),
        "labour_with_stopped_measure": make_case(M, measures=(("industry", STOPPED),)),
        "illness_without_health": make_case(M, risks=("YB",), measures=industry),
        "schooling_without_education": make_case(M, risks=("YX", "QT"), measures=industry),
        "unstable_employment_without_labour": make_case(IDENT, risks=("YWGJYBW",), labour=False, contact=None),
        "without_current_contact": make_case(M, measures=industry, contact="ended"),
        "without_any_contact": make_case(CaseStatus.ELIMINATING, measures=industry, contact=None, village=VILLAGE_A2),
        "eliminated_with_dropout": make_case(E, mode=EliminationMode.NATURAL, dropout=True, contact=None),
        "no_labour_without_safety_net_flag": make_case(M, risks=("QLDL",), labour=False,
                                                       measures=(("social_protection", ACTIVE),)),
        "assistance_elimination_below_line": make_case(E, mode=EliminationMode.ASSISTANCE, per_capita="7000",
                                                       measures=(("industry", DONE),)),
        "assistance_elimination_without_development": make_case(E, mode=EliminationMode.ASSISTANCE,
                                                                measures=(("health", DONE),)),
        "late_entry": late_measure(make_case(M, measures=industry)),
        # consistent cases
        "clean_monitored": make_case(M, risks=("YB", "YX", "YWGJYBW"),
                                     measures=(("employment", MeasureStatus.PLANNED),  # planned counts
                                               ("health", ACTIVE), ("compulsory_education", ACTIVE))),
        "clean_social_assistance": make_case(M, risks=("YB", "YX"),
                                             measures=(("industry", ACTIVE), ("social_assistance", ACTIVE))),
        "clean_no_labour": make_case(M, labour=False, safety_net=True, measures=(("social_protection", ACTIVE),)),
        "clean_identifying": make_case(IDENT, risks=("YB", "YX"), contact=None),
        "clean_eliminated": make_case(E, mode=EliminationMode.ASSISTANCE, measures=(("employment", DONE),),
                                      older_years=({"dropout": True},)),
        "clean_rejected": make_case(R, risks=("YWGJYBW",), labour=False, contact=None),
        # another township: an offender a township-A run must not see
        "other_township": make_case(M, village=VILLAGE_B1, contact=None, measures=industry),
    }
    return c


EXPECTED = {
    "labour_without_development": {"labour_without_development", "labour_with_stopped_measure"},
    "illness_without_health": {"illness_without_health"},
    "schooling_without_education": {"schooling_without_education"},
    "unstable_employment_without_labour": {"unstable_employment_without_labour"},
    "without_current_contact": {"without_current_contact", "without_any_contact", "other_township"},
    "eliminated_with_dropout": {"eliminated_with_dropout"},
    "no_labour_without_safety_net_flag": {"no_labour_without_safety_net_flag"},
    "assistance_elimination_below_line": {"assistance_elimination_below_line"},
    "assistance_elimination_without_development": {"assistance_elimination_without_development"},
    "late_entry": {"late_entry"},
}


def names(registry: dict[str, Case], ids) -> set[str]:
    by_id = {case.pk: name for name, case in registry.items()}
    return {by_id[pk] for pk in ids}


def test_every_rule_is_tested():
    assert set(EXPECTED) == {check.code for check in CHECKS}


@pytest.mark.parametrize("code", list(EXPECTED))
def test_rule_finds_its_cases_and_nothing_else(registry, code):
    found = CHECKS_BY_CODE[code].function(Case.objects.all(), TODAY)
    assert names(registry, [pk for pk, _detail in found]) == EXPECTED[code]
    assert all(detail for _pk, detail in found)


def test_find_problems_lists_each_offence_with_region_and_label(registry):
    problems = find_problems(Case.objects.all(), TODAY)
    expected = {(name, code) for code, cases in EXPECTED.items() for name in cases}
    assert {(names(registry, [p.case_id]).pop(), p.code) for p in problems} == expected
    for p in problems:
        case = Case.objects.get(pk=p.case_id)
        assert p.region_code == case.region_code
        assert p.label == str(CHECKS_BY_CODE[p.code].label) and p.detail
    assert not any(names(registry, [p.case_id]).pop().startswith("clean") for p in problems)


def test_find_problems_keeps_to_the_queryset_it_is_given(registry):
    problems = find_problems(Case.objects.filter(region_code__startswith=TOWNSHIP_A), TODAY)
    assert all(p.region_code.startswith(TOWNSHIP_A) for p in problems)
    assert registry["other_township"].pk not in {p.case_id for p in problems}


def test_problems_for_one_case(registry):
    assert [p.code for p in problems_for(registry["illness_without_health"], TODAY)] == ["illness_without_health"]
    assert problems_for(registry["clean_monitored"], TODAY) == []


def test_details_name_the_figures(registry):
    below = dict(CHECKS_BY_CODE["assistance_elimination_below_line"].function(Case.objects.all(), TODAY))
    detail = below[registry["assistance_elimination_below_line"].pk]
    assert "7,000.00" in detail and "7,500.00" in detail
    contacts = dict(CHECKS_BY_CODE["without_current_contact"].function(Case.objects.all(), TODAY))
    assert "2024-06-30" in contacts[registry["without_current_contact"].pk]
    assert "No assistance contact" in contacts[registry["without_any_contact"].pk]


def test_contact_is_judged_on_the_given_day(registry):
    case = registry["without_current_contact"]
    before_end = dict(CHECKS_BY_CODE["without_current_contact"].function(Case.objects.filter(pk=case.pk),
                                                                         date(2024, 6, 30)))
    assert before_end == {}


def test_query_count_does_not_grow_with_the_number_of_cases(registry):
    with CaptureQueriesContext(connection) as small:
        find_problems(Case.objects.all(), TODAY)
    for _i in range(5):
        make_case(M, measures=(("health", ACTIVE),), contact="ended", risks=("YB", "YX"))
        make_case(E, mode=EliminationMode.ASSISTANCE, per_capita="7000", dropout=True)
    with CaptureQueriesContext(connection) as large:
        problems = find_problems(Case.objects.all(), TODAY)
    assert len(large) == len(small) <= 2 * len(CHECKS) + 2
    assert len(problems) > 20


def test_latest_year_decides_dropout(registry):
    case = registry["eliminated_with_dropout"]
    HouseholdYear.objects.create(household=case.household, year=YEAR + 1, member_count=2,
                                 wage_income=Decimal("20000"), dropout=False)
    assert problems_for(case, TODAY + timedelta(days=365)) == []


@pytest.mark.parametrize(("per_capita", "found"), [("7499", True), ("7500", False), ("7501", False)])
def test_assistance_elimination_at_the_line_one_yuan_below_and_one_above(regions, per_capita, found):
    MonitoringLine.objects.create(year=YEAR, region_code=COUNTY, amount=Decimal("7500"))
    case = make_case(E, mode=EliminationMode.ASSISTANCE, per_capita=per_capita,
                     measures=(("industry", DONE),))
    codes = [p.code for p in problems_for(case, TODAY)]
    assert ("assistance_elimination_below_line" in codes) is found


def test_a_changed_line_changes_the_below_line_check(regions):
    MonitoringLine.objects.create(year=YEAR, region_code=COUNTY, amount=Decimal("7500"))
    case = make_case(E, mode=EliminationMode.ASSISTANCE, per_capita="10000", measures=(("industry", DONE),))
    assert problems_for(case, TODAY) == []
    MonitoringLine.objects.filter(year=YEAR, region_code=COUNTY).update(amount=Decimal("10000.01"))
    assert [p.code for p in problems_for(case, TODAY)] == ["assistance_elimination_below_line"]


def test_assistance_elimination_in_a_year_without_a_line_is_listed_as_unchecked(regions):
    MonitoringLine.objects.filter(year=YEAR).delete()  # 2023's line (7,500) must not stand in
    case = make_case(E, mode=EliminationMode.ASSISTANCE, per_capita="10000", measures=(("industry", DONE),))
    problems = [p for p in problems_for(case, TODAY) if p.code == "assistance_elimination_below_line"]
    assert len(problems) == 1
    assert "No monitoring line is set for 2024" in problems[0].detail and "/monitoring/lines/" in problems[0].detail
