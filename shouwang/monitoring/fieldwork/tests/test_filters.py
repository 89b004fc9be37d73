"""The field-work lists' filters: visits on the page, the API and the export; visit tasks on the page
and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.models import Visit
from shouwang.regions.models import Region
from shouwang.registry.tests.factories import make_household

VISITS, TASKS = reverse("monitoring:visit_list"), reverse("monitoring:task_list")


@pytest.fixture
def households(regions):
    return {
        "a1": make_household(VILLAGE_A1, "V-A1", members=1),
        "a1b": make_household(VILLAGE_A1, "V-A1B", members=1),
        "a2": make_household(VILLAGE_A2, "V-A2", members=1),
        "b1": make_household(VILLAGE_B1, "V-B1", members=1),
    }


def visit(household, user) -> Visit:
    return fieldwork.record_visit(Visit(household=household), user)


@pytest.mark.parametrize("name", ["erin", "carol"])
def test_page_api_and_export_list_the_same_visits(list_rows, personas, households, name):
    visit(households["a1"], personas["alice"])
    visit(households["a1"], personas["alice"])
    visit(households["a2"], personas["bob"])
    visit(households["b1"], personas["judy"])
    user = personas[name]
    for number in (None, "V-A1", " V-A2 ", "V-B1", "nobody"):
        params = {"household": number} if number else {}
        page = list_rows.page(user, VISITS, params, key=lambda v: v.household.number)
        api = list_rows.api(user, "/api/visits/", params, key="household_number")
        export = list_rows.export(user, "visits", params, column="户编号")
        assert page == api == export, params
    assert list_rows.api(user, "/api/visits/", {"household": "V-A1"}, key="household_number") == ["V-A1"] * 2


def test_the_task_page_lists_what_the_api_lists_as_pending(list_rows, personas, households):
    today = timezone.localdate()
    erin = personas["erin"]

    def launch(code: str, name: str):
        return fieldwork.launch_campaign(
            erin, name=name, region=Region.objects.get(code=code),
            starts_on=today - timedelta(days=7), ends_on=today + timedelta(days=30),
        )

    county, township = launch(COUNTY, "全县排查"), launch(TOWNSHIP_A, "达岚镇排查")
    visit(households["a1"], personas["alice"])  # its tasks are done
    for user in (personas["alice"], personas["carol"]):
        for campaign in (county, township):
            page = list_rows.page(user, TASKS, {"campaign": campaign.pk}, key=lambda t: t.household.number)
            api = list_rows.api(user, "/api/campaign-tasks/", {"campaign": campaign.pk, "status": "pending"},
                                key="household_number")
            assert page == api, (user, campaign)
            assert "V-A1" not in page and "V-A1B" in page
