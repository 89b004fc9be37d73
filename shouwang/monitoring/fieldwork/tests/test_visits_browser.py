"""A village cadre records a visit from a 360-px phone, starting from their campaign task list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.models import CampaignTask, TaskStatus, Visit, Warning
from shouwang.regions.models import Region
from shouwang.registry.tests.factories import make_household
from shouwang.testing.browser_support import assert_nothing_in_clear, body_overflow, log_in

pytestmark = pytest.mark.browser


def test_a_cadre_records_a_visit_from_a_phone_and_the_campaign_progresses(
    phone_page, live_server, personas, screenshot_dir,
):
    households = [make_household(VILLAGE_A1, members=2) for _ in range(3)] + [make_household(VILLAGE_A2)]
    today = timezone.localdate()
    campaign = fieldwork.launch_campaign(
        personas["erin"], name="集中排查", region=Region.objects.get(code="433122"),
        starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=30),
    )
    page = phone_page
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/monitoring/tasks/")
    assert body_overflow(page) <= 0
    assert page.locator("tbody tr").count() == 3  # alice's village only
    page.screenshot(path=str(screenshot_dir / "visit-01-tasks.png"), full_page=True)
    page.click(f"a[href='/monitoring/households/{households[0].pk}/visit/']")
    page.wait_for_url(f"**/monitoring/households/{households[0].pk}/visit/")
    assert body_overflow(page) <= 0
    page.uncheck("input[name=water_secured]")
    page.check("input[name=illness]")
    page.fill("textarea[name=note]", "饮水管道损坏")
    page.screenshot(path=str(screenshot_dir / "visit-02-form.png"), full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_url("**/monitoring/visits/*/")
    assert body_overflow(page) <= 0
    page.screenshot(path=str(screenshot_dir / "visit-03-detail.png"), full_page=True)
    visit = Visit.objects.get()
    assert visit.findings == ["water", "illness"] and Warning.objects.get().household == households[0]
    assert CampaignTask.objects.get(campaign=campaign, household=households[0]).status == TaskStatus.DONE

    page.goto(f"{live_server.url}/monitoring/campaigns/{campaign.pk}/")
    assert body_overflow(page) <= 0
    assert "1 / 3" in page.locator(".progress-total").inner_text()
    assert_nothing_in_clear(page.content())
    page.screenshot(path=str(screenshot_dir / "visit-04-campaign.png"), full_page=True)
