"""The case list's one filter: the case list page, the API and the export list the same cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import CaseStatus, Category
from shouwang.cases.tests.factories import make_case
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

LIST, API = reverse("cases:case_list"), "/api/cases/"


@pytest.fixture
def cases(personas):
    today = timezone.localdate()
    make_case(make_household(VILLAGE_A1, "LATE", wage="6000"), first_clue_date=today - timedelta(days=30))
    make_case(make_household(VILLAGE_A1, "FRESH", wage="6000"))
    make_case(make_household(VILLAGE_A2, "DONE", wage="6000"), status=CaseStatus.ELIMINATED,
              category=Category.SUDDEN)
    make_case(make_household(VILLAGE_A2, "WATCHED", wage="6000"), status=CaseStatus.MONITORED)
    make_case(make_household(VILLAGE_B1, "B-CASE", wage="6000"), status=CaseStatus.MONITORED)


QUERIES = [
    {"status": "all"}, {"status": "open"}, {"status": "overdue"}, {"status": "eliminated"},
    {"status": "identifying"}, {"status": "eliminated", "category": "sudden"},
    {"status": "all", "village": VILLAGE_A2}, {"status": "all", "region": TOWNSHIP_B},
    {"status": "all", "q": "fre"}, {"status": "all", "household": "WATCHED"},
    {"status": "all", "risk_type": "YB"}, {"status": "all", "category": "edge", "village": VILLAGE_B1},
]


@pytest.mark.parametrize("name", ["erin", "carol"])
def test_page_api_and_export_list_the_same_cases(list_rows, personas, cases, name):
    user = personas[name]
    for params in QUERIES:
        page = list_rows.page(user, LIST, params, key=lambda c: c.household.number)
        api = list_rows.api(user, API, params, key="household_number")
        export = list_rows.export(user, "cases", params, column="户编号")
        assert page == api == export, params
    assert list_rows.page(user, LIST, {"status": "overdue"}, key=lambda c: c.household.number) == ["LATE"]


def test_the_page_and_its_export_list_open_cases_by_default_the_api_all(list_rows, personas, cases):
    carol = personas["carol"]
    page = list_rows.page(carol, LIST, {}, key=lambda c: c.household.number)
    assert page == list_rows.export(carol, "cases", {}, column="户编号") == ["FRESH", "LATE", "WATCHED"]
    assert page == list_rows.page(carol, LIST, {"status": ""}, key=lambda c: c.household.number)
    assert list_rows.api(carol, API, {}, key="household_number") == ["DONE", "FRESH", "LATE", "WATCHED"]
