"""The page, the shares form, the API and the exports: the same figures and the same scope."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.revitalization.relative import services
from shouwang.revitalization.relative.models import RelativeLineShares

from .relative_registry import REGISTRY, YEAR, add

PAGE = "revitalization:relative_poverty"


@pytest.fixture
def registry(regions):
    for row in REGISTRY:
        add(*row)
    MonitoringLine.objects.create(year=YEAR, region_code=COUNTY, amount=Decimal("6000"))


def get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def test_the_county_page_shows_the_figures_the_trend_and_the_charts(client, registry, personas):
    response = get(client, personas["erin"], PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["current"].region.people == 21
    assert [row["area"].code for row in response.context["part_rows"]][:2] == [TOWNSHIP_A, TOWNSHIP_B] or {
        TOWNSHIP_A, TOWNSHIP_B} <= {row["area"].code for row in response.context["part_rows"]}
    # P0 against the monitoring line: 10 of 21 people.
    assert f"{10 / 21 * 100:.2f}" in html
    assert "6,000.00" in html and "3,000.00" in html and "2,400.00" in html
    charts = json.loads(html.split('id="dashboard-data" type="application/json">')[1].split("</script>")[0])
    assert charts["trend"]["categories"] == [str(YEAR)]
    assert set(charts["parts"]["categories"]) >= {"达岚镇", "兴隆场镇"}
    assert "supervision/dashboard.js" in html and "<script>" not in html
    assert response.context["can_edit_shares"]
    # Strictly below, zero and negative incomes, the median: said on the page.
    assert "strictly below the line" in html and "mean of the two middle values" in html


def test_scope_of_the_page(client, registry, personas):
    carol, alice = personas["carol"], personas["alice"]
    assert get(client, carol, PAGE).context["selection"].region == TOWNSHIP_A
    assert get(client, carol, PAGE, region=VILLAGE_A2).status_code == 200
    assert get(client, carol, PAGE, region=TOWNSHIP_B).status_code == 404
    assert get(client, carol, PAGE, region=COUNTY).status_code == 404
    response = get(client, alice, PAGE)
    assert response.context["selection"].region == VILLAGE_A1
    assert response.context["current"].region.people == 10
    # The village cadre reads the county's lines (the county's, as the monitoring line) but no other area.
    assert response.context["current"].county_median == Decimal("6000")
    assert not response.context["can_edit_shares"]
    assert get(client, alice, PAGE, region=VILLAGE_A2).status_code == 404
    assert get(client, alice, PAGE, region=VILLAGE_A1, year=YEAR + 5).status_code == 404
    assert get(client, personas["ivan"], PAGE).status_code == 403
    # The township page links to its villages; the crumbs link up only where the user may read.
    crumbs = get(client, carol, PAGE, region=VILLAGE_A1).context["crumbs"]
    assert [bool(url) for _name, url in crumbs] == [False, True, False]


def test_setting_the_shares_on_the_page(client, registry, personas):
    client.force_login(personas["erin"])
    url = reverse("revitalization:relative_shares")
    response = client.post(url, {"county": COUNTY, "year": YEAR, "shares": "40，60", "note": "",
                                 "region": TOWNSHIP_A})
    assert response.status_code == 302 and f"region={TOWNSHIP_A}" in response["Location"]
    assert RelativeLineShares.objects.get().shares == [40, 60]
    page = client.get(response["Location"])
    assert "relative_60" in {line.key for line in page.context["current"].lines}
    response = client.post(url, {"county": COUNTY, "year": YEAR, "shares": "0", "region": COUNTY})
    assert RelativeLineShares.objects.get().shares == [40, 60]
    client.force_login(personas["frank"])  # the administrator does not set them
    assert client.post(url, {"county": COUNTY, "year": YEAR, "shares": "45"}).status_code == 403
    assert RelativeLineShares.objects.get().shares == [40, 60]


def test_the_api_gives_the_page_figures_in_scope(client, registry, personas):
    data = get(client, personas["carol"], "api:relative-poverty").json()
    assert data["region"]["code"] == TOWNSHIP_A and data["year"] == YEAR and data["years"] == [YEAR]
    assert data["county_median"] == "6000.00" or Decimal(data["county_median"]) == Decimal("6000")
    expected = services.figures(YEAR, TOWNSHIP_A)
    assert data["region"]["indices"]["monitoring"]["p1"] == pytest.approx(expected.region.poverty["monitoring"].p1)
    assert {part["code"] for part in data["parts"]} >= {VILLAGE_A1, VILLAGE_A2}
    assert [line["amount"] for line in data["lines"]] == ["6000.00", "2400.00", "3000.00"]
    assert get(client, personas["carol"], "api:relative-poverty", region=TOWNSHIP_B).status_code == 404
    assert get(client, personas["alice"], "api:relative-poverty", region=VILLAGE_A2).status_code == 404
    assert get(client, personas["ivan"], "api:relative-poverty").status_code == 403
    trend = get(client, personas["alice"], "api:relative-poverty-trend").json()
    assert [item["year"] for item in trend["years"]] == [YEAR]
    assert trend["years"][0]["region"]["code"] == VILLAGE_A1


def test_the_shares_api(client, registry, personas):
    client.force_login(personas["erin"])
    url = reverse("api:relative-poverty-shares-list")
    response = client.post(url, {"region_code": COUNTY, "year": YEAR, "shares": [50, 45]},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["shares"] == [45, 50]
    client.force_login(personas["alice"])
    assert [row["shares"] for row in client.get(url).json()["results"]] == [[45, 50]]
    response = client.post(url, {"region_code": COUNTY, "year": YEAR, "shares": [30]},
                           content_type="application/json")
    assert response.status_code == 403
    client.force_login(personas["erin"])
    response = client.post(url, {"region_code": TOWNSHIP_A, "year": YEAR, "shares": [30]},
                           content_type="application/json")
    assert response.status_code == 400  # a county's code has six digits
    response = client.post(url, {"region_code": "433199", "year": YEAR, "shares": [30]},
                           content_type="application/json")
    assert response.status_code == 403
    assert RelativeLineShares.objects.get().shares == [45, 50]


def test_the_exports_hold_the_page_rows_in_scope(list_rows, registry, personas):
    codes = list_rows.export(personas["erin"], "relative_poverty", {"region": COUNTY, "year": YEAR},
                             column="区划代码")
    # The county and each township, one row per line (monitoring, 40 %, 50 %).
    assert codes.count(COUNTY) == 3 and codes.count(TOWNSHIP_A) == 3 and codes.count(TOWNSHIP_B) == 3
    p0 = list_rows.export(personas["erin"], "relative_poverty", {"region": COUNTY, "year": YEAR},
                          column="贫困发生率P0")
    assert str(round(10 / 21, 9)) in p0
    carol = list_rows.export(personas["carol"], "relative_poverty", {"region": COUNTY}, column="区划代码")
    assert carol == []
    carol = list_rows.export(personas["carol"], "relative_poverty", {}, column="区划代码")
    assert set(carol) == {TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2} | (set(carol) - {TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2})
    assert all(code.startswith(TOWNSHIP_A) for code in carol)
    trend = list_rows.export(personas["alice"], "relative_poverty_trend", {}, column="区划代码")
    assert trend == [VILLAGE_A1] * 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_the_median_agrees_with_postgresql_percentile_cont(registry):
    add(VILLAGE_B1, 2, "123.45")  # an even number of people in B1 now: 6
    for code in (COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY h.per_capita_net_income) "
                "FROM registry_householdyear h CROSS JOIN LATERAL generate_series(1, h.member_count) "
                "WHERE h.year = %s AND h.region_code LIKE %s AND h.member_count > 0", [YEAR, code + "%"])
            expected = cursor.fetchone()[0]
        assert float(services.median_of(YEAR, code)) == pytest.approx(float(expected), abs=1e-9), code
