"""The policy pages and ``/api/policies/``: lists with filters, counts by township, editing, scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_B1, _user
from shouwang.regions.models import Region

from ..models import Policy, PolicyVersion
from .factories import household, policy

pytestmark = pytest.mark.django_db

OTHER_COUNTY = "433123"


@pytest.fixture
def olga(regions):
    Region.objects.get_or_create(code=OTHER_COUNTY, defaults={"name": "凤凰县", "level": "county",
                                                              "parent_code": "4331"})
    return _user("olga", "county", OTHER_COUNTY)


@pytest.fixture
def catalogue(regions):
    return {
        "old": policy("OLD_AGE", "age >= 60", subject="person", name_zh="高龄补贴", continuity="kept", kind="universal",
                      department="民政局"),
        "job": policy("JOB", "able_to_work", subject="person", name_zh="公益岗位", continuity="new", kind="temporary",
                      department="人社局", active=False),
        "low": policy("LOW", "per_capita_income < 5000", name_zh="低收入", continuity="adjusted", kind="incentive",
                      department="民政局", amount=Decimal("1200")),
        "theirs": policy("THEIRS", "True", county=OTHER_COUNTY, name_zh="外县政策"),
    }


def _codes(client, params=None):
    response = client.get(reverse("revitalization:policy_list"), params or {})
    assert response.status_code == 200
    return sorted(p.code for p in response.context["page"].object_list)


def test_list_filters_and_scope(client, personas, catalogue):
    client.force_login(personas["carol"])  # a township officer reads the county's catalogue
    assert _codes(client) == ["JOB", "LOW", "OLD_AGE"]
    assert _codes(client, {"continuity": "new"}) == ["JOB"]
    assert _codes(client, {"kind": "incentive"}) == ["LOW"]
    assert _codes(client, {"subject": "person"}) == ["JOB", "OLD_AGE"]
    assert _codes(client, {"department": "民政"}) == ["LOW", "OLD_AGE"]
    assert _codes(client, {"active": "false"}) == ["JOB"]
    assert _codes(client, {"active": "true", "subject": "person"}) == ["OLD_AGE"]
    assert _codes(client, {"q": "高龄"}) == ["OLD_AGE"]
    page = client.get(reverse("revitalization:policy_list")).content.decode()
    assert "age is at least 60" in page and "外县政策" not in page
    assert reverse("revitalization:policy_create") not in page  # no "Add" for a township
    client.force_login(personas["erin"])
    assert reverse("revitalization:policy_create") in client.get(reverse("revitalization:policy_list")).content.decode()


def test_detail_counts_eligible_by_township_in_the_users_region(client, personas, catalogue):
    household(VILLAGE_A1, [{"birth_year": 1950}, {"birth_year": 1955}, {"birth_year": 1990}])
    household(VILLAGE_A1, [{"birth_year": 1964}])
    household(VILLAGE_B1, [{"birth_year": 1940}])
    url = reverse("revitalization:policy_detail", args=[catalogue["old"].pk])
    client.force_login(personas["erin"])
    response = client.get(url, {"year": 2024})
    assert [(c["code"], c["households"], c["people"]) for c in response.context["counts"]] == [
        (TOWNSHIP_A, 2, 3), (TOWNSHIP_B, 1, 1)]
    assert response.context["total_people"] == 4
    assert client.get(url).context["year"] == 2024  # the latest recorded year by default
    client.force_login(personas["carol"])
    assert [(c["code"], c["people"]) for c in client.get(url, {"year": 2024}).context["counts"]] == [(TOWNSHIP_A, 3)]
    low = client.get(reverse("revitalization:policy_detail", args=[catalogue["low"].pk]), {"year": 2024})
    assert low.context["counts"] == []  # 30,000 a household is not below 5,000 a head for 1- and 3-member households
    client.force_login(personas["erin"])
    assert client.get(reverse("revitalization:policy_detail", args=[catalogue["theirs"].pk])).status_code == 404


def test_create_checks_the_rule_and_shows_the_error_at_its_field(client, personas):
    client.force_login(personas["erin"])
    data = {"code": "CARE", "name_zh": "护理补贴", "department": "残联", "continuity": "kept", "kind": "universal",
            "subject": "household", "expression": "disability_grade <= 2", "parameters": "{}", "active": "on"}
    response = client.post(reverse("revitalization:policy_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["expression"] and "person" in errors["expression"][0]
    assert not Policy.objects.exists()
    response = client.post(reverse("revitalization:policy_create"), data | {"expression": "disabled_members >="})
    assert "Column" in response.context["form"].errors["expression"][0]
    response = client.post(reverse("revitalization:policy_create"), data | {"subject": "person"})
    created = Policy.objects.get()
    assert response.status_code == 302 and response.url == reverse("revitalization:policy_detail", args=[created.pk])
    assert (created.region_code, created.version) == (COUNTY, 1)
    response = client.post(reverse("revitalization:policy_edit", args=[created.pk]),
                           data | {"subject": "person", "amount": "1200", "code": "IGNORED"})
    created.refresh_from_db()
    assert (created.code, created.amount, created.version) == ("CARE", Decimal("1200"), 2)
    assert PolicyVersion.objects.filter(policy=created).count() == 2
    detail = client.get(reverse("revitalization:policy_detail", args=[created.pk])).content.decode()
    assert "disability grade is at most 2" in detail


def test_only_the_counties_officers_open_the_form(client, personas, olga, catalogue):
    edit = reverse("revitalization:policy_edit", args=[catalogue["old"].pk])
    for name in ("alice", "carol", "grace", "heidi", "ivan"):
        client.force_login(personas[name])
        assert client.get(edit).status_code == 403, name
        assert client.get(reverse("revitalization:policy_create")).status_code == 403, name
    client.force_login(olga)
    assert client.get(edit).status_code == 404  # another county's policy is not even seen
    assert client.post(edit, {"name_zh": "改"}).status_code == 404
    client.force_login(personas["frank"])
    assert client.get(edit).status_code == 200


def test_api_reads_in_scope_and_writes_through_the_service(client, personas, olga, catalogue):
    client.force_login(personas["alice"])
    listed = client.get("/api/policies/").json()
    assert sorted(p["code"] for p in listed["results"]) == ["JOB", "LOW", "OLD_AGE"]
    assert sorted(p["code"] for p in client.get("/api/policies/", {"subject": "household"}).json()["results"]) == [
        "LOW"]
    body = {"code": "NEW_ONE", "name_zh": "新政策", "department": "乡村振兴局", "subject": "person",
            "expression": "age < 18", "measure_type": "other_education"}
    assert client.post("/api/policies/", body, content_type="application/json").status_code == 403
    client.force_login(personas["erin"])
    bad = client.post("/api/policies/", body | {"expression": "age <"}, content_type="application/json")
    assert bad.status_code == 400 and "expression" in bad.json()
    created = client.post("/api/policies/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["region_code"] == COUNTY and created.json()["version"] == 1
    pk = created.json()["id"]
    patched = client.patch(f"/api/policies/{pk}/", {"amount": "800.00"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["version"] == 2
    detail = client.get(f"/api/policies/{pk}/").json()
    assert [v["version"] for v in detail["versions"]] == [2, 1] and detail["measure_type"] == "other_education"
    assert detail["versions"][0]["changed_by"] == "erin" and detail["versions"][0]["data"]["amount"] == "800.00"
    assert client.delete(f"/api/policies/{pk}/").status_code == 405
    client.force_login(olga)
    assert client.patch(f"/api/policies/{pk}/", {"amount": "1"}, content_type="application/json").status_code == 404
    client.force_login(personas["carol"])
    assert client.patch(f"/api/policies/{pk}/", {"amount": "1"}, content_type="application/json").status_code == 403


def test_api_eligible_counts(client, personas, catalogue):
    household(VILLAGE_A1, [{"birth_year": 1950}])
    household(VILLAGE_B1, [{"birth_year": 1940}, {"birth_year": 1941}])
    client.force_login(personas["erin"])
    rows = client.get(f"/api/policies/{catalogue['old'].pk}/eligible/", {"year": 2024}).json()
    assert [(r["code"], r["households"], r["people"]) for r in rows] == [(TOWNSHIP_A, 1, 1), (TOWNSHIP_B, 1, 2)]
    client.force_login(personas["alice"])
    rows = client.get(f"/api/policies/{catalogue['old'].pk}/eligible/", {"year": 2024}).json()
    assert [(r["code"], r["people"]) for r in rows] == [(TOWNSHIP_A, 1)]
