"""The ex-poor label's exit candidates export: the page's county, year and scope, incomes per year."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from conftest import COUNTY, VILLAGE_A1, VILLAGE_B1
from shouwang.monitoring.models import MonitoringLine
from shouwang.registry.models import HouseholdType, HouseholdYear
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.exports import services as exports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"


def ex_poor(village, number, incomes):
    h = make_household(village, number, members=1, year=None, household_type=HouseholdType.EX_POOR)
    for year, income in incomes.items():
        HouseholdYear.objects.create(household=h, year=year, member_count=1, wage_income=Decimal(income))
    return h


def test_the_candidates_export_follows_the_page(personas, regions):
    for year in (2024, 2025, 2026):
        MonitoringLine.objects.update_or_create(year=year, region_code=COUNTY, defaults={"amount": "7000"})
    ex_poor(VILLAGE_A1, "E-A", {2024: "11000", 2025: "12000", 2026: "13000"})
    ex_poor(VILLAGE_A1, "E-LOW", {2024: "11000", 2025: "9000", 2026: "13000"})
    ex_poor(VILLAGE_B1, "E-B", {2024: "11000", 2025: "12000", 2026: "13000"})
    job = exports.start_export(personas["carol"], "label_exit_candidates", {"year": "2026"}, fmt="csv")
    rows = list(csv.reader(io.StringIO(exports.export_path(job).read_bytes().decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["E-A"]  # township A only; E-LOW misses 2025
    assert rows[1][3] == "2026" and rows[1][4:7] == ["11000.00", "12000.00", "13000.00"]  # the same on both databases
    assert rows[1][-1] == "默认条件（县未设置）"
    job = exports.start_export(personas["erin"], "label_exit_candidates", {"year": "2026"}, fmt="csv")
    rows = list(csv.reader(io.StringIO(exports.export_path(job).read_bytes().decode("utf-8-sig"))))
    assert sorted(r[0] for r in rows[1:]) == ["E-A", "E-B"]
