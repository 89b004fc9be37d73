"""The data-quality finding list's one filter: the page and its export list the same findings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import COUNTY, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.models import DataQualityFinding, DataQualityRun

PAGE = reverse("supervision:quality_index")


@pytest.fixture
def findings(personas):
    run = DataQualityRun.objects.create(region_code=COUNTY, year=2023)
    found = ((VILLAGE_A1, "NO_HEAD"), (VILLAGE_A1, "AGE"), (VILLAGE_A2, "NO_HEAD"), (VILLAGE_B1, "AGE"))
    for village, rule in found:
        household = make_household(village, f"Q-{village[-6:]}-{rule}", members=1, year=None)
        DataQualityFinding.objects.create(run=run, region_code=village, rule=rule, household=household)


@pytest.mark.parametrize("name", ["erin", "carol"])
def test_the_page_and_its_export_list_the_same_findings(list_rows, personas, findings, name):
    user = personas[name]
    for params in [{"rule": "NO_HEAD"}, {"village": VILLAGE_A1}, {"rule": "AGE", "village": VILLAGE_B1},
                   {"rule": "AGE"}, {"rule": "NONE"}]:
        page = list_rows.page(user, PAGE, params, key=lambda f: f.household.number)
        assert page == list_rows.export(user, "quality_findings", params, column="户编号"), params
    listed = list_rows.page(user, PAGE, {"rule": "AGE"}, key=lambda f: f.household.number)
    expected = ["Q-102201-AGE", "Q-104201-AGE"] if name == "erin" else ["Q-102201-AGE"]
    assert listed == expected
