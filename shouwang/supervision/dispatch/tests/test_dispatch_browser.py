"""In a real browser: the county sends a task, the township acknowledges and completes it, the county
sees it done; the operations pages fit a phone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_A, TOWNSHIP_B
from shouwang.supervision.models import DispatchRecipient, DispatchTask
from shouwang.testing.browser_support import body_overflow, log_in

pytestmark = pytest.mark.browser


def test_dispatch_round_trip(page, live_server, personas, screenshot_dir):
    deadline = (date.today() + timedelta(days=10)).isoformat()
    log_in(page, live_server, "erin")
    page.goto(live_server.url + reverse("supervision:dispatch_new"))
    page.fill("input[name=title]", "开展防返贫集中排查")
    page.fill("textarea[name=body]", "请各乡镇按期完成并报送")
    page.fill("input[name=deadline]", deadline)
    page.check("input[name=mode][value=chosen]")
    page.click("details summary")
    page.check(f"input[name=targets][value='{TOWNSHIP_A}']")
    page.check(f"input[name=targets][value='{TOWNSHIP_B}']")
    page.click("main form button[type=submit]")
    task = DispatchTask.objects.get()
    page.wait_for_url(live_server.url + reverse("supervision:dispatch_detail", args=[task.pk]))
    assert page.locator("#dispatch-recipients tbody tr").count() == 2
    page.context.clear_cookies()

    log_in(page, live_server, "carol")
    page.goto(live_server.url + reverse("supervision:dispatch_index"))
    page.click("#dispatch-inbox a")
    page.click("#dispatch-acknowledge")
    page.wait_for_selector(f"tr[data-region='{TOWNSHIP_A}'] .badge.acknowledged")
    page.fill("textarea[name=note]", "全镇已完成排查，发现风险户3户")
    page.click("#dispatch-complete")
    page.wait_for_selector(f"tr[data-region='{TOWNSHIP_A}'] .badge.done")
    assert page.locator("#dispatch-recipients tbody tr").count() == 1  # a township sees only its own answer
    page.context.clear_cookies()

    log_in(page, live_server, "erin")
    page.goto(live_server.url + reverse("supervision:dispatch_detail", args=[task.pk]))
    done_row = page.locator(f"tr[data-region='{TOWNSHIP_A}']")
    assert done_row.locator(".badge.done").count() == 1
    assert "全镇已完成排查" in done_row.inner_text()
    assert page.locator(f"tr[data-region='{TOWNSHIP_B}'] .badge.pending").count() == 1
    page.screenshot(path=str(screenshot_dir / "dispatch-detail-county.png"), full_page=True)
    assert DispatchRecipient.objects.get(region_code=TOWNSHIP_A).status == "done"


def test_dispatch_pages_fit_a_360px_phone(phone_page, live_server, personas, screenshot_dir):
    from shouwang.supervision.dispatch import services as dispatch

    task = dispatch.issue_task(personas["erin"], title="走访核查通知", deadline=date.today() + timedelta(days=3),
                               targets=[TOWNSHIP_A, TOWNSHIP_B])
    log_in(phone_page, live_server, "carol")
    pages = ("dispatch_index", "spotcheck_list", "quality_index", "export_list")
    for url in [reverse(f"supervision:{name}") for name in pages] + [
        reverse("supervision:dispatch_detail", args=[task.pk]),
    ]:
        phone_page.goto(live_server.url + url)
        assert body_overflow(phone_page) <= 0, url
    phone_page.screenshot(path=str(screenshot_dir / "phone-dispatch-detail.png"), full_page=True)
