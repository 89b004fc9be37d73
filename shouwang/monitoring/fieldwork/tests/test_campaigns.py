"""Screening campaigns: one task per household in scope, progress per village and township, scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.models import Campaign, CampaignStatus, CampaignTask, TaskStatus, Visit
from shouwang.regions.models import Region
from shouwang.registry.tests.factories import make_household


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def households(regions):
    """Two households in A1, one in A2 and two in B1."""
    return {
        VILLAGE_A1: [make_household(VILLAGE_A1, members=1), make_household(VILLAGE_A1, members=1)],
        VILLAGE_A2: [make_household(VILLAGE_A2, members=1)],
        VILLAGE_B1: [make_household(VILLAGE_B1, members=1), make_household(VILLAGE_B1, members=1)],
    }


def launch(user, code: str, **kwargs) -> Campaign:
    today = timezone.localdate()
    return fieldwork.launch_campaign(
        user, name=kwargs.pop("name", "2026年集中排查"), region=Region.objects.get(code=code),
        starts_on=kwargs.pop("starts_on", today - timedelta(days=7)),
        ends_on=kwargs.pop("ends_on", today + timedelta(days=30)), **kwargs,
    )


def visit(household, user, **findings) -> Visit:
    return fieldwork.record_visit(Visit(household=household, **findings), user)


def test_a_campaign_gives_one_task_to_every_household_in_its_region(personas, households):
    township = launch(personas["erin"], TOWNSHIP_A)
    tasks = CampaignTask.objects.filter(campaign=township)
    expected = {h.pk for h in households[VILLAGE_A1] + households[VILLAGE_A2]}
    assert {t.household_id for t in tasks} == expected and tasks.count() == 3
    assert township.task_count == 3 and Campaign.objects.get(pk=township.pk).task_count == 3
    assert {t.region_code for t in tasks} == {VILLAGE_A1, VILLAGE_A2}
    assert all(t.status == TaskStatus.PENDING for t in tasks)
    county = launch(personas["frank"], "433122")
    assert CampaignTask.objects.filter(campaign=county).count() == 5
    assert ChangeLog.objects.filter(object_type="monitoring.campaign").count() == 2


def test_tasks_are_written_in_bulk_not_one_query_per_household(
    personas, households, django_assert_max_num_queries
):
    for _ in range(20):
        make_household(VILLAGE_A1, members=1, year=None)
    with django_assert_max_num_queries(15) as captured:
        campaign = launch(personas["erin"], "433122")
    assert campaign.task_count == 25
    assert CampaignTask.objects.filter(campaign=campaign).count() == 25
    inserts = [q["sql"] for q in captured.captured_queries if 'INTO "monitoring_campaigntask"' in q["sql"]]
    if connection.vendor == "sqlite":
        assert len(inserts) == 1 and inserts[0].startswith("25 times")  # one executemany
    else:
        assert inserts == []  # PostgreSQL: one COPY, which the query log does not show


def test_progress_per_village_and_township_updates_when_visits_are_recorded(personas, households):
    campaign = launch(personas["erin"], "433122")
    progress = fieldwork.campaign_progress(campaign, personas["erin"])
    assert (progress.done, progress.total) == (0, 5)
    visit(households[VILLAGE_A1][0], personas["alice"])
    visit(households[VILLAGE_B1][1], personas["judy"], illness=True)
    progress = fieldwork.campaign_progress(campaign, personas["erin"])
    assert (progress.done, progress.total) == (2, 5)
    townships = {t.code: t for t in progress.children}
    assert (townships[TOWNSHIP_A].done, townships[TOWNSHIP_A].total) == (1, 3)
    villages = {v.code: (v.done, v.total) for t in progress.children for v in t.children}
    assert villages == {VILLAGE_A1: (1, 2), VILLAGE_A2: (0, 1), VILLAGE_B1: (1, 2)}
    task = CampaignTask.objects.get(campaign=campaign, household=households[VILLAGE_A1][0])
    assert task.status == TaskStatus.DONE and task.visit is not None and task.done_at is not None
    # A second visit to the same household does not count twice.
    visit(households[VILLAGE_A1][0], personas["alice"])
    assert fieldwork.campaign_progress(campaign, personas["erin"]).done == 2


def test_visits_outside_the_period_or_after_closing_do_not_count(personas, households):
    today = timezone.localdate()
    later = launch(
        personas["erin"], TOWNSHIP_A, starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=9)
    )
    visit(households[VILLAGE_A1][0], personas["alice"])
    assert fieldwork.campaign_progress(later, personas["erin"]).done == 0
    current = launch(personas["erin"], TOWNSHIP_A)
    fieldwork.close_campaign(current, personas["erin"])
    visit(households[VILLAGE_A1][1], personas["alice"])
    assert fieldwork.campaign_progress(current, personas["erin"]).done == 0


def test_progress_is_counted_within_the_viewers_region(personas, households):
    campaign = launch(personas["erin"], "433122")
    visit(households[VILLAGE_A2][0], personas["bob"])
    carol = fieldwork.campaign_progress(campaign, personas["carol"])
    assert [t.code for t in carol.children] == [TOWNSHIP_A] and (carol.done, carol.total) == (1, 3)
    alice = fieldwork.campaign_progress(campaign, personas["alice"])
    assert [v.code for t in alice.children for v in t.children] == [VILLAGE_A1] and alice.total == 2
    assert fieldwork.campaign_progress(campaign, personas["ivan"]).total == 0


@pytest.mark.parametrize("name", ["alice", "carol", "grace", "heidi", "ivan"])
def test_only_county_officers_launch_campaigns(personas, households, name):
    with pytest.raises(PermissionDenied):
        launch(personas[name], TOWNSHIP_A)
    assert not Campaign.objects.exists()
    assert login(personas[name]).get("/monitoring/campaigns/new/").status_code == 403


def test_a_campaign_may_not_reach_outside_the_launchers_region(personas, households):
    from shouwang.accounts.models import User

    Region.objects.create(code="433101", name="吉首市", level="county", parent_code="4331")
    outsider = User.objects.create_user("olga", password="Pass-word-123", role="county", region_id="433101")
    with pytest.raises(PermissionDenied):
        launch(outsider, TOWNSHIP_A)


def test_village_cadres_see_their_own_tasks_only(personas, households):
    launch(personas["erin"], "433122")
    alice_page = login(personas["alice"]).get("/monitoring/tasks/").content.decode()
    for h in households[VILLAGE_A1]:
        assert h.number in alice_page
        assert f"/monitoring/households/{h.pk}/visit/" in alice_page
    for h in households[VILLAGE_A2] + households[VILLAGE_B1]:
        assert h.number not in alice_page
    bob_numbers = {t.household.number for t in fieldwork.pending_tasks_for(personas["bob"])}
    assert bob_numbers == {households[VILLAGE_A2][0].number}
    # Done tasks leave the list.
    visit(households[VILLAGE_A1][0], personas["alice"])
    assert (
        households[VILLAGE_A1][0].number
        not in login(personas["alice"]).get("/monitoring/tasks/").content.decode()
    )


def test_the_county_launches_from_the_page_and_watches_progress(personas, households):
    client = login(personas["erin"])
    form = client.get("/monitoring/campaigns/new/")
    assert form.status_code == 200 and f'value="{TOWNSHIP_A}"' in form.content.decode()
    today = timezone.localdate()
    response = client.post(
        "/monitoring/campaigns/new/",
        {
            "name": "达岚镇集中排查",
            "basis": "农办帮扶〔2024〕1号",
            "region": TOWNSHIP_A,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(),
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/campaigns/{campaign.pk}/"
    visit(households[VILLAGE_A1][0], personas["alice"])
    page = client.get(response["Location"]).content.decode()
    assert "1 / 3" in page and 'value="1"' in page and "<progress" in page
    # Carol (township A) sees the campaign; Dave (township B) does not.
    assert login(personas["carol"]).get(response["Location"]).status_code == 200
    assert login(personas["dave"]).get(response["Location"]).status_code == 404
    assert client.post(f"/monitoring/campaigns/{campaign.pk}/close/").status_code == 302
    assert Campaign.objects.get().status == CampaignStatus.CLOSED


def test_a_campaign_ending_before_it_starts_is_refused(personas, households):
    today = timezone.localdate()
    response = login(personas["erin"]).post(
        "/monitoring/campaigns/new/",
        {
            "name": "x",
            "region": TOWNSHIP_A,
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    assert not Campaign.objects.exists()


def test_the_campaign_api_lists_campaigns_and_progress_in_scope(personas, households):
    campaign = launch(personas["erin"], "433122")
    visit(households[VILLAGE_A1][1], personas["alice"])
    listed = api(personas["alice"]).get("/api/campaigns/").json()
    assert [c["id"] for c in listed["results"]] == [campaign.pk]
    assert api(personas["ivan"]).get("/api/campaigns/").json()["count"] == 0
    progress = api(personas["carol"]).get(f"/api/campaigns/{campaign.pk}/progress/").json()
    assert (progress["done"], progress["total"]) == (1, 3)
    assert [t["code"] for t in progress["townships"]] == [TOWNSHIP_A]
    assert {v["code"]: v["done"] for v in progress["townships"][0]["villages"]} == {
        VILLAGE_A1: 1,
        VILLAGE_A2: 0,
    }
    tasks = api(personas["judy"]).get("/api/campaign-tasks/", {"status": "pending"}).json()
    assert {t["household_number"] for t in tasks["results"]} == {h.number for h in households[VILLAGE_B1]}
    township_only = launch(personas["erin"], VILLAGE_B1)
    assert api(personas["alice"]).get(f"/api/campaigns/{township_only.pk}/").status_code == 404


def test_the_progress_page_shows_townships_with_their_villages_to_the_county(personas, households):
    campaign = launch(personas["erin"], "433122")
    visit(households[VILLAGE_B1][0], personas["judy"])
    page = login(personas["erin"]).get(f"/monitoring/campaigns/{campaign.pk}/").content.decode()
    assert (
        f'class="township" data-code="{TOWNSHIP_A}"' in page
        and 'class="township" data-code="433122104"' in page
    )
    for code in (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1):
        assert f'class="village" data-code="{code}"' in page
    assert "1 / 5" in page
    # A village cadre sees their village's row only.
    alice = login(personas["alice"]).get(f"/monitoring/campaigns/{campaign.pk}/").content.decode()
    assert (
        f'data-code="{VILLAGE_A1}"' in alice and f'data-code="{VILLAGE_B1}"' not in alice and "0 / 2" in alice
    )


def test_village_sees_only_its_own_count_of_a_county_campaign(personas, households):
    from conftest import COUNTY

    campaign = launch(personas["erin"], COUNTY)
    assert campaign.task_count == 5
    # The list page and the API: the county sees 5 households, village A1 its 2, village B1 its 2.
    for name, seen in (("erin", 5), ("alice", 2), ("bob", 1), ("judy", 2), ("carol", 3)):
        page = login(personas[name]).get("/monitoring/campaigns/")
        assert [c.tasks_seen for c in page.context["page"].object_list] == [seen], name
        row = api(personas[name]).get(f"/api/campaigns/{campaign.pk}/").json()
        assert row["task_count"] == seen, name
    detail = login(personas["alice"]).get(f"/monitoring/campaigns/{campaign.pk}/")
    assert detail.context["progress"].total == 2
    assert "0 / 2" in detail.content.decode() and "/ 5" not in detail.content.decode()
