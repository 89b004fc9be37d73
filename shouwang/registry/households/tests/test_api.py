"""The households API: fields, masking, filters, a fixed number of queries, and the schema."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conftest import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.registry.models import HouseholdYear
from shouwang.registry.tests.factories import make_household


@pytest.fixture
def api(personas):
    client = APIClient()
    client.force_authenticate(personas["erin"])
    return client


def test_list_row_has_summary_columns(api, regions):
    household = make_household(VILLAGE_A1, members=4, wage="20000", household_type="ex_poor", relocated=True)
    HouseholdYear.objects.create(household=household, year=2024, member_count=4, wage_income=Decimal("40000"))
    row = api.get("/api/households/").json()["results"][0]
    assert row["number"] == household.number
    assert row["village_code"] == VILLAGE_A1
    assert row["village_name"] == regions.get(code=VILLAGE_A1).name
    assert row["household_type"] == "ex_poor"
    assert row["relocated"] is True and row["no_labour"] is False
    assert row["member_count"] == 4
    assert row["head_name"] == household.members.order_by("id").first().name
    assert row["latest_year"] == 2024
    assert Decimal(row["latest_per_capita_income"]) == Decimal("10000.00")


def test_detail_has_masked_members_and_years_and_no_secret_fields(api, regions):
    household = make_household(VILLAGE_A2, members=2, wage="9000")
    data = api.get(f"/api/households/{household.pk}/").json()
    assert [m["name"] for m in data["members"]] == [m.name for m in household.members.order_by("id")]
    member = data["members"][0]
    stored = household.members.order_by("id").first()
    assert member["id_masked"] == stored.id_masked
    assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", member["id_masked"])
    assert re.fullmatch(r"\d{3}\*{4}\d{4}", member["phone_masked"])
    assert not {"id_number", "phone", "id_index"} & set(member)
    assert stored.id_number not in str(data) and stored.phone not in str(data)
    year = data["years"][0]
    assert year["year"] == 2023
    assert Decimal(year["net_income"]) == Decimal("9000.00")
    assert Decimal(year["per_capita_net_income"]) == Decimal("4500.00")


def test_filters_number_village_township_type_and_search(api, regions):
    a1 = make_household(VILLAGE_A1, household_type="ex_poor")
    a2 = make_household(VILLAGE_A2)
    b1 = make_household(VILLAGE_B1)

    def numbers(**params):
        return {r["number"] for r in api.get("/api/households/", params).json()["results"]}

    assert numbers(number=a2.number) == {a2.number}
    assert numbers(number=a2.number.lower()) == {a2.number}
    assert numbers(village=VILLAGE_B1) == {b1.number}
    assert numbers(township=TOWNSHIP_A) == {a1.number, a2.number}
    assert numbers(township=TOWNSHIP_B) == {b1.number}
    assert numbers(household_type="ex_poor") == {a1.number}
    assert numbers(q=a1.number[-5:]) == {a1.number}
    assert numbers(q=b1.members.first().name) == {b1.number}
    last4 = a2.members.order_by("id").last().id_masked[-4:]
    assert a2.number in numbers(q=last4)


def test_search_by_name_lists_a_household_once(api, regions):
    household = make_household(VILLAGE_A1, members=3)
    data = api.get("/api/households/", {"q": "测试"}).json()
    assert [r["number"] for r in data["results"]] == [household.number]


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_cost_a_fixed_number_of_queries(api, regions):
    first = make_household(VILLAGE_A1, members=2)
    small_list = _query_count(api, "/api/households/")
    small_detail = _query_count(api, f"/api/households/{first.pk}/")
    for village in (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1) * 4:
        make_household(village, members=5)
    big = make_household(VILLAGE_B1, members=5)
    HouseholdYear.objects.create(household=big, year=2024, member_count=5)
    assert _query_count(api, "/api/households/") == small_list <= 2
    assert _query_count(api, f"/api/households/{big.pk}/") == small_detail <= 3


def test_schema_generates_without_warnings(tmp_path, settings):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    text = out.read_text()
    assert "/api/households/{id}/" in text and "/api/regions/{code}/" in text
    assert "tokenAuth" in text and "cookieAuth" in text
    # No answer carries a clear or indexed ID number; the one place a number goes in is the body
    # of the search by ID (POST /api/households/search-by-id/), never an address or a response.
    import yaml

    schema = yaml.safe_load(text)
    assert set(schema["components"]["schemas"].pop("HouseholdIdSearch")["properties"]) == {"id_number"}
    rest = yaml.safe_dump(schema)
    for secret in ("id_number", "id_index"):
        assert secret not in rest


def test_schema_and_docs_need_login_and_load_nothing_from_the_internet(client, personas):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(personas["grace"])
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_docs_assets_are_served_from_the_project():
    """drf-spectacular-sidecar must be an installed app, or its static files are not found."""
    from django.contrib.staticfiles import finders

    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset
