"""The scorecard's one filter: the pages, the API and the exports list the same rows for one period."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from shouwang.supervision.assessment import services as assessment

from .assessment_registry import PERIOD, build

pytestmark = pytest.mark.django_db

QUERY = {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()}
COUNTY_PAGE, TOWNSHIP_PAGE = reverse("supervision:assessment"), reverse("supervision:assessment_township")


@pytest.fixture
def scored(personas):
    build()
    return assessment.compute_snapshot(COUNTY, *PERIOD, user=personas["erin"])


def codes_of(context) -> list:
    return [item["row"] for item in context["table"]]


@pytest.mark.parametrize("name", ["grace", "carol", "dave"])
def test_pages_api_and_exports_list_the_same_scorecard_rows(list_rows, personas, scored, name):
    user = personas[name]
    for params in (QUERY, {}, {**QUERY, "county": COUNTY}, {"period": "last_month"}):
        page = list_rows.page(user, COUNTY_PAGE, params, key=lambda r: r.region_code, rows=codes_of)
        api = list_rows.api(user, "/api/scorecards/", params, key="region_code")
        export = list_rows.export(user, "scorecard_townships", params, column="区划代码")
        assert page == api == export, params
    for township in (TOWNSHIP_A, TOWNSHIP_B):
        params = {**QUERY, "township": township}
        list_rows.client.force_login(user)
        if list_rows.client.get(TOWNSHIP_PAGE, params).status_code == 404:  # another township's page
            assert list_rows.export(user, "scorecard_villages", params, column="区划代码") == []
            continue
        page = list_rows.page(user, TOWNSHIP_PAGE, params, key=lambda r: r.region_code, rows=codes_of)
        api = list_rows.api(user, "/api/scorecards/", {**params, "level": "village"}, key="region_code")
        export = list_rows.export(user, "scorecard_villages", params, column="区划代码")
        assert page == api == export and all(code.startswith(township) for code in page), params


def test_half_a_period_lists_nothing_anywhere(list_rows, client, personas, scored):
    grace, half = personas["grace"], {"start": QUERY["start"]}
    assert list_rows.page(grace, COUNTY_PAGE, half, key=lambda r: r.region_code, rows=codes_of) == []
    assert list_rows.export(grace, "scorecard_townships", half, column="区划代码") == []
    client.force_login(grace)
    assert client.get("/api/scorecards/", half).status_code == 400
    listed = list_rows.page(grace, COUNTY_PAGE, QUERY, key=lambda r: r.region_code, rows=codes_of)
    assert TOWNSHIP_A in listed and TOWNSHIP_B in listed
