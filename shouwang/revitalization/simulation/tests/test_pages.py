"""The simulation pages, as a county uses them on a phone: draft, preview, save, list, compare, adopt; and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import COUNTY, VILLAGE_A1, VILLAGE_B1
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.monitoring.tests.factories import household
from shouwang.revitalization.simulation.models import Scenario, ScenarioStatus

pytestmark = pytest.mark.django_db
YEAR = 2023


@pytest.fixture
def county(regions):
    return {
        "at_old": household(VILLAGE_A1, members=2, wage="15000", number="SIM0001"),
        "between": household(VILLAGE_B1, members=1, wage="7600", number="SIM0002"),
        "above": household(VILLAGE_B1, members=1, wage="9000", number="SIM0003"),
    }


def _login(client, user):
    client.force_login(user)
    return client


def test_draft_preview_save_list_compare_and_adopt(client, county, personas):
    _login(client, personas["frank"])
    url = reverse("revitalization:simulation_new")
    assert client.get(url).status_code == 200
    draft = {"year": YEAR, "line_amount": "8000", "name": "+500", "rule_active": "on"}
    preview = client.post(url, {**draft, "preview": "1"})
    assert preview.status_code == 200
    assert b"households enter (3 people)" in preview.content
    assert not Scenario.objects.exists()  # a preview saves nothing
    saved = client.post(url, {**draft, "save": "1"})
    scenario = Scenario.objects.get()
    assert saved.status_code == 302 and saved.url == reverse("revitalization:simulation_detail", args=[scenario.pk])
    assert scenario.result["sections"][0]["enter"] == {"households": 2, "people": 3}
    detail = client.get(saved.url)
    assert detail.status_code == 200 and "达岚镇".encode() in detail.content
    subjects = client.get(reverse("revitalization:simulation_subjects", args=[scenario.pk]),
                          {"side": "enter", "region": VILLAGE_B1})
    assert b"SIM0002" in subjects.content and b"SIM0001" not in subjects.content
    client.post(url, {**draft, "line_amount": "9500", "name": "+2000", "save": "1"})
    other = Scenario.objects.exclude(pk=scenario.pk).get()
    compared = client.get(reverse("revitalization:simulation_compare"), {"a": scenario.pk, "b": other.pk})
    assert compared.status_code == 200 and b"+2000" in compared.content
    adopt_url = reverse("revitalization:simulation_adopt", args=[scenario.pk])
    assert client.get(adopt_url).status_code == 200
    client.post(adopt_url, {})  # without the confirmation nothing happens
    assert not MonitoringLine.objects.filter(region_code=COUNTY).exists()
    assert client.post(adopt_url, {"confirm": "1"}).status_code == 302
    assert MonitoringLine.objects.get(year=YEAR, region_code=COUNTY).amount == Decimal("8000.00")
    assert Scenario.objects.get(pk=scenario.pk).status == ScenarioStatus.ADOPTED


def test_the_api_creates_runs_lists_compares_and_adopts(client, county, personas):
    _login(client, personas["frank"])
    body = {"name": "+500", "year": YEAR, "changes": {"lines": [{"region_code": COUNTY, "amount": "8000"}]}}
    preview = client.post("/api/scenarios/preview/", body, content_type="application/json")
    assert preview.status_code == 200 and preview.json()["sections"][0]["enter"]["households"] == 2
    created = client.post("/api/scenarios/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    run = client.post(f"/api/scenarios/{pk}/run/", content_type="application/json")
    assert run.json()["sections"][0]["enter"] == {"households": 2, "people": 3}
    listed = client.get(f"/api/scenarios/{pk}/subjects/", {"side": "enter"}).json()
    assert listed["count"] == 2
    assert {row["household"] for row in listed["results"]} == {county["at_old"].pk, county["between"].pk}
    second = client.post("/api/scenarios/", {**body, "changes": {"lines": [{"region_code": COUNTY,
                                                                            "amount": "9500"}]}},
                         content_type="application/json").json()["id"]
    compared = client.get("/api/scenarios/compare/", {"a": pk, "b": second}).json()
    assert compared[0]["difference"]["enter"]["households"] == 1
    bad = client.post("/api/scenarios/", {**body, "changes": {"lines": [{"region_code": "433123",
                                                                         "amount": "8000"}]}},
                      content_type="application/json")
    assert bad.status_code == 400
    adopted = client.post(f"/api/scenarios/{pk}/adopt/", content_type="application/json")
    assert adopted.status_code == 200 and adopted.json()["status"] == "adopted"


def test_a_county_officer_drafts_but_does_not_adopt_and_townships_see_nothing(client, county, personas):
    _login(client, personas["erin"])
    body = {"name": "+500", "year": YEAR, "changes": {"lines": [{"region_code": COUNTY, "amount": "8000"}]}}
    pk = client.post("/api/scenarios/", body, content_type="application/json").json()["id"]
    assert client.post(f"/api/scenarios/{pk}/adopt/", content_type="application/json").status_code == 403
    assert client.get(reverse("revitalization:simulation_adopt", args=[pk])).status_code == 403
    _login(client, personas["carol"])
    assert client.get(reverse("revitalization:simulation_list")).status_code == 403
    assert client.get(f"/api/scenarios/{pk}/").status_code == 403


def test_the_results_page_shows_a_policy_and_its_cost(client, county, personas):
    from shouwang.revitalization.policies.models import Policy

    Policy.objects.create(region_code=COUNTY, code="P_LINE", name_zh="低收入补贴", department="民政局",
                          expression="per_capita_income < line", subject="person", amount=Decimal("200"))
    _login(client, personas["erin"])
    page = client.post(reverse("revitalization:simulation_new"),
                       {"year": YEAR, "line_amount": "8000", "rule_active": "on", "save": "1"}, follow=True)
    assert page.status_code == 200
    assert "低收入补贴".encode() in page.content
    assert b"600.00" in page.content  # 3 people enter, none was eligible before: 3 × 200
    assert b"people \xc3\x97 amount per person" in page.content
