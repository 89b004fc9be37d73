"""Scope of configuration: a county administrator changes its own county's time limits, never
another county's nor those wider than a county (a province-level administrator's)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conftest import COUNTY
from shouwang.cases.models import ProcedureSettings

pytestmark = pytest.mark.django_db

OTHER_COUNTY = "430102"


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_a_county_administrator_cannot_edit_another_countys_or_the_wider_time_limits(client, personas,
                                                                                  province_admin):
    frank = api(personas["frank"])
    for code in (OTHER_COUNTY, "", "43"):
        response = frank.post("/api/procedure-settings/", {"region_code": code, "total_days": 5,
                                                           "day_kind": "working"}, format="json")
        assert response.status_code == 403, code
    client.force_login(personas["frank"])
    page = client.post("/cases/settings/new/", {"region_code": OTHER_COUNTY, "total_days": "5",
                                                "day_kind": "working"})
    assert page.status_code in (400, 403)
    assert not ProcedureSettings.objects.filter(region_code__in=[OTHER_COUNTY, "43"]).exists()
    assert frank.post("/api/procedure-settings/", {"region_code": COUNTY, "total_days": 5, "day_kind": "working"},
                      format="json").status_code == 201
    wider = api(province_admin).post("/api/procedure-settings/", {"region_code": "", "total_days": 30,
                                                                  "day_kind": "working"}, format="json")
    assert wider.status_code == 201
