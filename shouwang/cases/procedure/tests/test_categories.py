"""Category rules of policy.md §3: suggested from type and income, and checked against them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.models import Category
from shouwang.cases.procedure.categories import category_problems, suggest_category
from shouwang.monitoring.lines.models import LineBook, line_in_force
from shouwang.monitoring.lines.services import carry_forward
from shouwang.monitoring.models import FeedSignal, MonitoringLine
from shouwang.registry.models import HouseholdType, HouseholdYear
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def line(regions):
    """The county's 2024 line: 7,500 yuan per person."""
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY, defaults={"amount": Decimal("7500")})


def household(per_capita: str, *, ex_poor: bool = False, members: int = 2, year: int = YEAR, **year_fields):
    """A household of ``members`` whose per-capita net income of ``year`` is ``per_capita``."""
    wage = Decimal(per_capita) * members
    hh = make_household(VILLAGE_A1, members=members, year=year, wage=str(wage),
                        household_type=HouseholdType.EX_POOR if ex_poor else HouseholdType.ORDINARY)
    if year_fields:
        HouseholdYear.objects.filter(household=hh, year=year).update(**year_fields)
    return hh


def test_ex_poor_household_below_line_is_unstable_ex_poor(line):
    assert suggest_category(household("7000", ex_poor=True), YEAR) == Category.UNSTABLE_EX_POOR


def test_ordinary_household_below_line_is_edge(line):
    assert suggest_category(household("7499.99"), YEAR) == Category.EDGE


def test_household_at_the_line_is_not_below_it(line):
    assert suggest_category(household("7500"), YEAR) is None


def test_above_line_with_large_out_of_pocket_spending_is_sudden(line):
    # 2 × 9,000 = 18,000 net; after 4,000 of compliant out-of-pocket spending 7,000 a head.
    hh = household("9000", compliant_out_of_pocket=Decimal("4000"))
    assert suggest_category(hh, YEAR) == Category.SUDDEN


def test_above_line_with_sharp_income_drop_is_sudden(line):
    hh = household("8000")
    HouseholdYear.objects.create(household=hh, year=YEAR - 1, member_count=2, wage_income=Decimal("40000"))
    assert suggest_category(hh, YEAR) == Category.SUDDEN  # 20,000 → 8,000 a head: −60 %


def test_above_line_with_large_medical_feed_spending_is_sudden(line):
    hh = household("12000")
    FeedSignal.objects.create(household=hh, kind=FeedSignal.Kind.MEDICAL_OUT_OF_POCKET, date=date(YEAR, 6, 1),
                              amount=Decimal("21000"))
    assert suggest_category(hh, YEAR) == Category.SUDDEN  # ordinary household: threshold 20,000


def test_above_line_without_difficulty_suggests_nothing(line):
    hh = household("12000")
    HouseholdYear.objects.create(household=hh, year=YEAR - 1, member_count=2, wage_income=Decimal("25000"))
    assert suggest_category(hh, YEAR) is None  # 12,500 → 12,000: a 4 % dip is no sudden drop


def test_no_income_record_suggests_nothing(line):
    assert suggest_category(household("7000"), YEAR + 1) is None  # only 2024 is recorded, 2025 asked


def test_consistent_categories_have_no_problems(line):
    assert category_problems(household("7000", ex_poor=True), Category.UNSTABLE_EX_POOR, YEAR) == []
    assert category_problems(household("7000"), Category.EDGE, YEAR) == []
    assert category_problems(household("9000"), Category.SUDDEN, YEAR) == []
    assert category_problems(household("9000", ex_poor=True), Category.SUDDEN, YEAR) == []


def test_unstable_ex_poor_requires_an_ex_poor_household(line):
    hh = household("7000")
    problems = category_problems(hh, Category.UNSTABLE_EX_POOR, YEAR)
    assert len(problems) == 1
    assert "ex-poor households" in problems[0] and hh.number in problems[0]


def test_edge_requires_an_ordinary_household(line):
    problems = category_problems(household("7000", ex_poor=True), Category.EDGE, YEAR)
    assert len(problems) == 1 and "ordinary rural households" in problems[0]


def test_unstable_and_edge_require_income_below_the_line_naming_the_figures(line):
    for category, ex_poor in ((Category.UNSTABLE_EX_POOR, True), (Category.EDGE, False)):
        problems = category_problems(household("8123.45", ex_poor=ex_poor), category, YEAR)
        assert len(problems) == 1
        assert "8,123.45" in problems[0] and "7,500.00" in problems[0] and "below the monitoring line" in problems[0]


def test_sudden_requires_income_above_the_line(line):
    problems = category_problems(household("6000"), Category.SUDDEN, YEAR)
    assert len(problems) == 1
    assert "above the monitoring line" in problems[0] and "6,000.00" in problems[0]


def test_missing_income_record_is_reported(line):
    problems = category_problems(household("7000"), Category.EDGE, YEAR + 1)
    assert problems == [problems[0]] and "no income record for 2025" in problems[0]


def test_type_and_income_problems_are_both_reported(line):
    problems = category_problems(household("9000"), Category.UNSTABLE_EX_POOR, YEAR)
    assert len(problems) == 2


def test_a_year_without_a_line_is_not_judged_by_an_earlier_line_and_says_so(regions):
    MonitoringLine.objects.update_or_create(year=2023, region_code="43", defaults={"amount": Decimal("7500")})
    MonitoringLine.objects.filter(year__gt=2023).delete()
    assert line_in_force(VILLAGE_A1, 2025) is None
    hh = household("7000", year=2025)
    problems = category_problems(hh, Category.EDGE, 2025)
    assert len(problems) == 1
    assert "No monitoring line is set for 2025" in problems[0] and "/monitoring/lines/" in problems[0]
    assert "2023" not in problems[0]
    assert suggest_category(hh, 2025) is None  # neither edge by 2023's line nor anything else


def test_a_carried_forward_line_judges_and_is_named_so(personas):
    MonitoringLine.objects.filter(year__gt=2023).delete()
    carry_forward(2024, COUNTY, personas["frank"], "县防返贫领导小组会议纪要：沿用上年标准")
    carry_forward(2025, COUNTY, personas["frank"], "县防返贫领导小组会议纪要：沿用上年标准")
    assert suggest_category(household("7000", year=2025), 2025) == Category.EDGE
    problems = category_problems(household("8000", year=2025), Category.EDGE, 2025)
    assert len(problems) == 1 and "7,500.00 yuan (previous year's line carried forward from 2024)" in problems[0]


def test_no_line_at_all_is_reported(regions):
    MonitoringLine.objects.all().delete()
    problems = category_problems(household("7000"), Category.EDGE, YEAR)
    assert len(problems) == 1 and "No monitoring line" in problems[0]
    assert suggest_category(household("7000"), YEAR) is None


def test_most_specific_line_of_the_year_wins(regions):
    MonitoringLine.objects.update_or_create(year=YEAR, region_code="", defaults={"amount": Decimal("6000")})
    MonitoringLine.objects.update_or_create(year=YEAR, region_code="43", defaults={"amount": Decimal("7000")})
    MonitoringLine.objects.update_or_create(year=YEAR, region_code=COUNTY, defaults={"amount": Decimal("8000")})
    MonitoringLine.objects.update_or_create(year=YEAR - 1, region_code=COUNTY, defaults={"amount": Decimal("9000")})
    assert line_in_force(VILLAGE_A1, YEAR).amount == Decimal("8000")
    book = LineBook.load()
    assert book.in_force(VILLAGE_A1, YEAR).amount == Decimal("8000")
    assert book.in_force("430102001001", YEAR).amount == Decimal("7000")  # another Hunan county
    assert book.in_force("110101001001", YEAR).amount == Decimal("6000")  # national
    assert book.in_force(VILLAGE_A1, YEAR - 1).amount == Decimal("9000")
