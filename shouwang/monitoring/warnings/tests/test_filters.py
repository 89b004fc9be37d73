"""The warning queue's one filter: the queue page, the API and the export list the same warnings."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.models import WarningChannel, WarningStatus
from shouwang.monitoring.tests.warning_helpers import make_warning

LIST, API = reverse("monitoring:warning_list"), "/api/warnings/"


@pytest.fixture
def warnings(regions):
    make_warning(VILLAGE_A1, number="late", due=date(2020, 1, 1))
    make_warning(VILLAGE_A1, number="verifying", status=WarningStatus.VERIFYING, rule_code="HOUSING_UNSAFE")
    make_warning(VILLAGE_A2, number="closed", status=WarningStatus.DISMISSED)
    make_warning(VILLAGE_B1, number="report", rule_code=None, channel=WarningChannel.SELF_REPORT,
                 evidence={"difficulty": "illness"})


QUERIES = [
    {"status": "all"}, {"status": "open"}, {"status": "overdue"}, {"status": "dismissed"},
    {"status": "all", "channel": "self_report"}, {"status": "all", "rule": "HOUSING_UNSAFE"},
    {"status": "all", "village": VILLAGE_A2}, {"status": "all", "township": TOWNSHIP_A},
    {"status": "all", "household": "late"}, {"status": "all", "due_before": "2025-01-01"},
    {"status": "open", "village": VILLAGE_B1},
]


@pytest.mark.parametrize("name", ["erin", "carol"])
def test_page_api_and_export_list_the_same_warnings(list_rows, personas, warnings, name):
    user = personas[name]
    for params in QUERIES:
        page = list_rows.page(user, LIST, params, key=lambda w: w.household.number)
        api = list_rows.api(user, API, params, key="household_number")
        export = list_rows.export(user, "warnings", params, column="户编号")
        assert page == api == export, params


def test_the_page_and_its_export_list_open_warnings_by_default_the_api_all(list_rows, personas, warnings):
    erin = personas["erin"]
    page = list_rows.page(erin, LIST, {}, key=lambda w: w.household.number)
    assert page == list_rows.export(erin, "warnings", {}, column="户编号") == ["late", "report", "verifying"]
    assert list_rows.api(erin, API, {}, key="household_number") == ["closed", "late", "report", "verifying"]
