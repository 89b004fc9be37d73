"""Scope of configuration: a county administrator sets its own county's lines; the province's and
the national line, which other counties use, only a province-level administrator sets, on the
pages and in the API alike; the screening rules, which hold for every county of the deployment,
only an administrator whose region holds them all (the time limits:
cases/procedure/tests/test_settings_scope.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from conftest import COUNTY
from shouwang.core.permissions import can
from shouwang.monitoring.models import MonitoringLine, Rule
from shouwang.regions.models import Region

pytestmark = pytest.mark.django_db

def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def form(line: MonitoringLine, amount: str) -> dict:
    return {"year": str(line.year), "region_code": line.region_code, "amount": amount, "basis": "文件",
            "document_number": "", "source": ""}


@pytest.mark.parametrize("code", ["", "43"])
def test_a_county_administrator_cannot_change_the_province_or_national_line_on_the_page(client, personas, code):
    line = MonitoringLine.objects.filter(region_code=code).first()
    client.force_login(personas["frank"])
    response = client.post(f"/monitoring/lines/{line.pk}/edit/", form(line, "1"))
    assert response.status_code == 403
    assert MonitoringLine.objects.get(pk=line.pk).amount == line.amount
    created = client.post("/monitoring/lines/new/", form(line, "9000") | {"year": "2030"})
    assert "province-level administrator" in created.content.decode()
    assert not MonitoringLine.objects.filter(year=2030).exists()


@pytest.mark.parametrize("code", ["", "43"])
def test_a_county_administrator_cannot_change_the_province_or_national_line_in_the_api(personas, code):
    line = MonitoringLine.objects.filter(region_code=code).first()
    frank = api(personas["frank"])
    assert frank.patch(f"/api/lines/{line.pk}/", {"amount": "1"}, format="json").status_code == 403
    assert frank.post("/api/lines/", {"year": 2030, "region_code": code, "amount": "9000"},
                      format="json").status_code == 403
    assert frank.post("/api/lines/carry-forward/", {"year": 2030, "region_code": code, "basis": "沿用"},
                      format="json").status_code in (400, 403)
    assert MonitoringLine.objects.get(pk=line.pk).amount == line.amount
    assert not MonitoringLine.objects.filter(year=2030).exists()


def test_the_county_administrator_still_sets_the_countys_own_line(personas):
    response = api(personas["frank"]).post("/api/lines/", {"year": 2030, "region_code": COUNTY,
                                                           "amount": "9000"}, format="json")
    assert response.status_code == 201
    assert MonitoringLine.objects.get(year=2030, region_code=COUNTY).amount == Decimal("9000")


def test_a_province_administrator_sets_the_province_and_national_lines(client, province_admin):
    province = MonitoringLine.objects.get(year=2023, region_code="43")
    client.force_login(province_admin)
    assert client.post(f"/monitoring/lines/{province.pk}/edit/", form(province, "7600")).status_code == 302
    assert MonitoringLine.objects.get(pk=province.pk).amount == Decimal("7600")
    national = MonitoringLine.objects.filter(region_code="").first()
    response = api(province_admin).patch(f"/api/lines/{national.pk}/", {"amount": "6100"}, format="json")
    assert response.status_code == 200
    assert MonitoringLine.objects.get(pk=national.pk).amount == Decimal("6100")
    # ... but not another province's line, nor a county's: that is the county's own
    other = api(province_admin).post("/api/lines/", {"year": 2030, "region_code": "44", "amount": "9000"},
                                     format="json")
    assert other.status_code == 403


def test_the_rules_are_changed_by_an_administrator_whose_region_holds_every_county(client, personas,
                                                                                   province_admin):
    frank = personas["frank"]
    assert can(frank, "monitoring.edit_rule")  # the deployment is his one county
    Region.objects.create(code="433123", name="另一县", level="county", parent_code="")
    assert not can(frank, "monitoring.edit_rule")
    assert can(province_admin, "monitoring.edit_rule")
    rule = Rule.objects.first()
    client.force_login(frank)
    assert client.get(f"/monitoring/rules/{rule.pk}/edit/").status_code == 403
