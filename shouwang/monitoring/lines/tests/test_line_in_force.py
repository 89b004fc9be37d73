"""One resolution of "the line for this household and year": the Python lookup and screening's SQL agree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import VILLAGE_A1
from shouwang.monitoring.lines.models import LineBook, line_in_force
from shouwang.monitoring.models import MonitoringLine
from shouwang.monitoring.rules.household import household_year_facts
from shouwang.monitoring.tests.factories import household

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_lines(regions):
    MonitoringLine.objects.all().delete()


def _lines(year: int, **amounts: str) -> None:
    codes = {"national": "", "province": "43", "prefecture": "4331", "county": "433122",
             "other_county": "433101"}
    for level, amount in amounts.items():
        MonitoringLine.objects.create(year=year, region_code=codes[level], amount=Decimal(amount))


def test_a_year_without_a_line_has_none(no_lines):
    _lines(2023, province="7500")
    assert line_in_force(VILLAGE_A1, 2024) is None
    assert MonitoringLine.objects.for_region(2024, VILLAGE_A1) is None
    assert LineBook.load().in_force(VILLAGE_A1, 2024) is None
    assert LineBook.load().of_year(2024) == []


def test_never_another_years_line_and_a_date_means_its_year(no_lines):
    _lines(2022, county="7000")
    _lines(2023, province="7500")
    _lines(2025, county="9000")
    assert line_in_force(VILLAGE_A1, 2024) is None  # neither 2023's nor 2025's
    assert LineBook.load().in_force(VILLAGE_A1, date(2024, 6, 1)) is None
    line = line_in_force(VILLAGE_A1, date(2023, 3, 15))
    assert (line.year, line.amount) == (2023, Decimal("7500"))
    assert LineBook.load(2023).in_force(VILLAGE_A1, date(2023, 12, 31)) == line
    assert LineBook.load(2023).in_force(VILLAGE_A1, 2025) is None  # a book of 2023 knows no other year


@pytest.mark.parametrize(("amounts", "expected"), [
    ({"national": "6000", "province": "7000", "prefecture": "7800", "county": "8000"}, "8000"),
    ({"national": "6000", "province": "7000", "prefecture": "7800", "other_county": "9999"}, "7800"),
    ({"national": "6000", "province": "7000"}, "7000"),
    ({"national": "6000"}, "6000"),
    ({"other_county": "9999"}, None),
    ({}, None),
])
def test_screening_line_fact_is_the_line_in_force(no_lines, amounts, expected):
    _lines(2023, **amounts)
    h = household(VILLAGE_A1, year=2023)
    line = line_in_force(h.region_code, 2023)
    assert (line.amount if line else None) == (Decimal(expected) if expected else None)
    facts = household_year_facts(h.pk, 2023, names=["line"])  # the year's line, computed as screening does
    assert facts["line"] == (line.amount if line else None)
    assert facts.line == line
