"""``/api/procedure-settings/`` holds the same rows as the time-limits page: those that bear on the
user's region (on the path to it, or inside it), never another township's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B
from shouwang.cases.models import ProcedureSettings
from shouwang.cases.procedure.services import save_procedure_settings, settings_for

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def stored(personas, province_admin):
    """Limits everywhere (set by the province), for the county, for township A and for township B."""
    frank = personas["frank"]
    save_procedure_settings(province_admin, {"region_code": "", "total_days": 20, "day_kind": "working"})
    for code in (COUNTY, TOWNSHIP_A, TOWNSHIP_B):
        save_procedure_settings(frank, {"region_code": code, "total_days": 20, "day_kind": "working"})
    return {s.region_code: s for s in ProcedureSettings.objects.all()}


def listed(user) -> list[str]:
    response = api(user).get("/api/procedure-settings/")
    assert response.status_code == 200
    return [row["region_code"] for row in response.json()]


def test_a_township_officer_does_not_see_another_townships_settings(personas, stored):
    carol = personas["carol"]  # township A
    assert listed(carol) == ["", COUNTY, TOWNSHIP_A]
    assert api(carol).get(f"/api/procedure-settings/{stored[TOWNSHIP_B].pk}/").status_code == 404
    assert api(carol).get(f"/api/procedure-settings/{stored[TOWNSHIP_A].pk}/").status_code == 200
    assert listed(personas["dave"]) == ["", COUNTY, TOWNSHIP_B]


def test_the_api_and_the_page_show_the_same_settings(client, personas, stored):
    for name in ("alice", "carol", "dave", "erin", "frank", "grace"):
        user = personas[name]
        client.force_login(user)
        items = client.get(reverse("cases:settings_list")).context["items"]
        page = [item["settings"].region_code for item in items]
        assert listed(user) == page == list(settings_for(user).values_list("region_code", flat=True)), name
    assert listed(personas["alice"]) == ["", COUNTY, TOWNSHIP_A]  # a village cadre of A1: A's, not B's
    assert listed(personas["erin"]) == ["", COUNTY, TOWNSHIP_A, TOWNSHIP_B]


def test_a_role_that_may_not_read_them_gets_an_empty_list(personas, stored):
    assert listed(personas["ivan"]) == []  # a department officer
