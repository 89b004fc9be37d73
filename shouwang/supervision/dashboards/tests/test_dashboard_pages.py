"""Dashboard pages: each user sees their region and nothing beside it; drill-down; few queries."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import Job
from shouwang.monitoring.models import MonitoringLine
from shouwang.regions.models import Region
from shouwang.supervision.dashboards.services import refresh
from shouwang.supervision.models import DashboardRefresh

from .dashboard_registry import TODAY, build

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("supervision:dashboard")


def region_url(code: str) -> str:
    return reverse("supervision:dashboard_region", args=[code])


@pytest.fixture
def registry(regions, personas, monkeypatch):
    built = build()
    refresh(today=TODAY)
    # The pages count months back from today; pin it to the registry's date.
    monkeypatch.setattr("shouwang.supervision.dashboards.views.today", lambda: TODAY)
    return built


def login(client, personas, name: str):
    client.force_login(personas[name])
    return client


def tile(html: str, name: str) -> str:
    start = html.index(f'data-tile="{name}"')
    value = html.index('class="stat-value">', start) + len('class="stat-value">')
    return html[value : html.index("<", value)]


def chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('id="dashboard-data" type="application/json">') + len(
        'id="dashboard-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_county_dashboard_totals_and_townships(client, personas, registry):
    response = login(client, personas, "erin").get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert tile(html, "monitored") == "4"  # A1: 3, B1: 1
    assert tile(html, "identifying") == "1"
    assert tile(html, "open_warnings") == "7"  # A1: 3, A2: 1, B1: 3
    assert tile(html, "overdue") == "7"  # steps: A1 village 1, B1 county 1; warnings: A1 2, B1 3
    assert tile(html, "new_warnings") == "7"  # raised in June 2024
    assert tile(html, "eliminated_month") == "0"
    assert tile(html, "measure_share") == "50.0 %"  # 2 of 4: A1's edge household and B1's
    assert tile(html, "development_share") == "66.7 %"  # 2 of 3 with labour
    township_a = Region.objects.get(code=TOWNSHIP_A).name
    township_b = Region.objects.get(code=TOWNSHIP_B).name
    assert township_a in html and township_b in html
    # Drill-down without JavaScript: each township's name is a link to its page.
    assert f'href="{region_url(TOWNSHIP_A)}"' in html and f'href="{region_url(TOWNSHIP_B)}"' in html
    charts = chart_data(response)
    areas = charts["areas"]
    index = areas["categories"].index(township_a)
    assert areas["series"][0]["data"][index] == 3
    assert areas["links"][index] == region_url(TOWNSHIP_A)
    assert charts["category"]["series"][0]["data"] == [1, 1, 2]  # unstable ex-poor, edge, sudden
    assert charts["income"]["series"][0]["data"] == [2, 1, 2, 1, 2]


def test_leader_lands_on_the_county_dashboard(client, personas, registry):
    response = login(client, personas, "grace").get(DASHBOARD)
    assert response.status_code == 200
    assert tile(response.content.decode(), "monitored") == "4"
    home = client.get(reverse("web:home")).content.decode()
    assert f'href="{DASHBOARD}"' in home


def test_township_officer_sees_nothing_of_another_township(client, personas, registry):
    response = login(client, personas, "carol").get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert tile(html, "monitored") == "3"
    assert tile(html, "open_warnings") == "4"
    assert tile(html, "overdue") == "3"  # the county step and the visits of B1 are not hers
    for code in (TOWNSHIP_B, VILLAGE_B1):
        assert Region.objects.get(code=code).name not in html
        assert code not in html
    # Her villages, each a link to its page and to its household list.
    assert f'href="{region_url(VILLAGE_A1)}"' in html
    assert f'href="/households/?village={VILLAGE_A1}"' in html or f"village={VILLAGE_A1}" in html
    risk = chart_data(response)["risk"]
    assert (
        dict(zip(risk["categories"], risk["series"][0]["data"], strict=True))["Disability"] == 0
    )  # B1's only
    # Another township's page, or one of its villages, does not exist for her.
    assert client.get(region_url(TOWNSHIP_B)).status_code == 404
    assert client.get(region_url(VILLAGE_B1)).status_code == 404
    assert client.get(region_url(COUNTY)).status_code == 404


def test_county_can_drill_down_to_a_township_and_a_village(client, personas, registry):
    login(client, personas, "erin")
    html = client.get(region_url(TOWNSHIP_A)).content.decode()
    assert tile(html, "monitored") == "3"
    assert Region.objects.get(code=TOWNSHIP_B).name not in html
    village = client.get(region_url(VILLAGE_A1))
    html = village.content.decode()
    assert tile(html, "monitored") == "3"
    assert tile(html, "households") == "11"
    assert f"village={VILLAGE_A1}" in html  # its household list
    assert 'data-chart="areas"' not in html  # a village has no areas below it
    html = client.get(region_url(VILLAGE_A2)).content.decode()
    assert tile(html, "monitored") == "0"


def test_village_cadre_sees_only_her_village(client, personas, registry):
    login(client, personas, "alice")
    html = client.get(DASHBOARD).content.decode()
    assert tile(html, "monitored") == "3"
    assert client.get(region_url(VILLAGE_A2)).status_code == 404
    assert client.get(region_url(TOWNSHIP_A)).status_code == 404


def test_department_officer_has_no_dashboard(client, personas, registry):
    assert login(client, personas, "ivan").get(DASHBOARD).status_code == 403


def test_dashboard_answers_from_the_aggregates_in_a_handful_of_queries(
    client, personas, registry, django_assert_max_num_queries
):
    login(client, personas, "erin")
    client.get(DASHBOARD)  # warm the session
    # session, user, region, its ancestors, sub-areas, risk names, last refresh, the two grouped
    # figure queries and the lines of this year and the income year; then the revitalization
    # registers' figures (projects, funds, payments, households reached, assets by class, asset
    # income, key villages: 9 queries over the registers' own tables). The number does not grow
    # with the registry.
    with django_assert_max_num_queries(22):
        assert client.get(DASHBOARD).status_code == 200


def test_dashboard_is_chinese_by_default(personas, registry):
    chinese = Client()
    chinese.force_login(personas["erin"])
    with translation.override("zh-hans"):
        html = chinese.get(DASHBOARD).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "因病" in html and "达岚镇" in html  # risk names and townships in Chinese
    assert "echarts-6.1.0.min.js" in html


def test_figures_follow_a_warning_transition(client, personas, registry, django_capture_on_commit_callbacks):
    from shouwang.monitoring.models import Warning, WarningStatus
    from shouwang.monitoring.warnings import services as lifecycle

    warning = Warning.objects.filter(region_code=VILLAGE_A2, status=WarningStatus.NEW).get()
    before = DashboardRefresh.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.transition(warning, "verify", personas["bob"])
    latest = DashboardRefresh.objects.latest("started_at")
    assert DashboardRefresh.objects.count() == before + 1
    assert latest.scope == VILLAGE_A2  # only the touched village was recounted
    html = login(client, personas, "erin").get(region_url(VILLAGE_A2)).content.decode()
    channels = chart_data(client.get(region_url(VILLAGE_A2)))["channels"]
    feed = channels["categories"].index("Department feed")
    statuses = [s["name"] for s in channels["series"]]
    assert channels["series"][statuses.index("Verifying")]["data"][feed] == 1
    assert channels["series"][statuses.index("New")]["data"][feed] == 0
    assert tile(html, "open_warnings") == "1"


def test_data_changed_without_villages_recounts_everything(registry, django_capture_on_commit_callbacks):
    from shouwang.cases.models import Case, CaseStatus
    from shouwang.core.signals import data_changed

    Case.objects.filter(region_code=VILLAGE_B1).update(
        status=CaseStatus.ELIMINATED, eliminated_on=date(2024, 6, 14)
    )
    with django_capture_on_commit_callbacks(execute=True):
        data_changed.send(sender=Case, part="cases", region_codes=None)
    latest = DashboardRefresh.objects.latest("started_at")
    assert latest.scope == "" and latest.trigger == "signal:cases"
    from shouwang.supervision.models import Figure

    assert not Figure.objects.filter(region_code=VILLAGE_B1, metric="monitored_category").exists()
    assert Figure.objects.get(region_code=VILLAGE_B1, metric="eliminated", month=date(2024, 6, 1)).value == 1


def test_refresh_button_for_county_officers_only(client, personas, registry, django_capture_on_commit_callbacks):
    login(client, personas, "erin")
    assert "Recount now" in client.get(DASHBOARD).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the request commits
        response = client.post(reverse("supervision:dashboard_refresh"))
    job = Job.objects.get(kind="dashboard_refresh")
    assert response.status_code == 302 and response.url == reverse("supervision:dashboard_job", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED  # the test task backend runs it once the request commits
    assert client.get(response.url).status_code == 200
    carol = Client()
    carol.force_login(personas["carol"])
    assert "Recount now" not in carol.get(DASHBOARD).content.decode()
    assert carol.post(reverse("supervision:dashboard_refresh")).status_code == 403
    assert carol.get(response.url).status_code == 404  # another user's job


def test_area_export_holds_only_the_users_township(personas, registry):
    from django.http import QueryDict

    from shouwang.supervision.dashboards.exports import area_queryset, area_row

    rows = [area_row(a) for a in area_queryset(personas["carol"], QueryDict(""))]
    codes = {row[0] for row in rows}
    assert VILLAGE_A1 in codes and not any(code.startswith(TOWNSHIP_B) for code in codes)
    a1 = next(row for row in rows if row[0] == VILLAGE_A1)
    assert a1[2:7] == [11, 3, 1, 3, 3]
    assert area_queryset(personas["carol"], QueryDict(f"region={TOWNSHIP_B}")) == []
    county = {row[0] for row in (area_row(a) for a in area_queryset(personas["erin"], QueryDict("")))}
    assert TOWNSHIP_A in county and TOWNSHIP_B in county


def test_api_gives_the_same_figures_in_the_same_scope(client, personas, registry):
    login(client, personas, "carol")
    body = client.get("/api/dashboard/").json()
    assert body["region"]["code"] == TOWNSHIP_A
    assert body["summary"]["monitored"] == 3 and body["summary"]["overdue"] == 3
    assert body["figures"]["monitored_category"] == {"edge": 1, "sudden": 1, "unstable_ex_poor": 1}
    assert {a["code"] for a in body["areas"]} >= {VILLAGE_A1, VILLAGE_A2}
    assert not any(a["code"].startswith(TOWNSHIP_B) for a in body["areas"])
    assert len(body["months"]) == 12 and body["months"][-1]["month"] == "2024-06-01"
    assert client.get(f"/api/dashboard/{TOWNSHIP_B}/").status_code == 404
    assert client.get(f"/api/dashboard/{VILLAGE_A1}/").json()["summary"]["monitored"] == 3
    ivan = Client()
    ivan.force_login(personas["ivan"])
    assert ivan.get("/api/dashboard/").status_code == 403
    schema = login(Client(), personas, "erin").get("/api/schema/").content.decode()
    assert "/api/dashboard/{code}/" in schema


def test_a_township_code_in_the_signal_recounts_its_villages(registry, django_capture_on_commit_callbacks):
    from shouwang.core.signals import data_changed
    from shouwang.monitoring.models import Warning

    with django_capture_on_commit_callbacks(execute=True):
        data_changed.send(sender=Warning, part="monitoring", region_codes={TOWNSHIP_A})
    scope = DashboardRefresh.objects.latest("started_at").scope.split()
    assert VILLAGE_A1 in scope and VILLAGE_A2 in scope and VILLAGE_B1 not in scope


def test_a_year_without_a_line_is_said_on_the_dashboard_with_a_link(client, personas, registry):
    # TODAY is in 2024, which has no line; the income year (2023) has the county's line
    html = login(client, personas, "erin").get(DASHBOARD).content.decode()
    assert 'data-missing-line="2024"' in html and 'data-missing-line="2023"' not in html
    assert "No monitoring line for 2024" in html and 'href="/monitoring/lines/#carry-forward"' in html
    MonitoringLine.objects.create(year=2024, region_code=COUNTY, amount=Decimal("7500"), basis="县定")
    html = client.get(DASHBOARD).content.decode()
    assert "data-missing-line" not in html
