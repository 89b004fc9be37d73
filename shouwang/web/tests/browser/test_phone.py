"""On a 360-px-wide phone the pages fit: the body never scrolls sideways, wide tables scroll
inside their own frame, and the menu folds behind a button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.registry.tests.factories import make_household
from shouwang.testing.browser_support import body_overflow, log_in

pytestmark = pytest.mark.browser


def test_pages_fit_a_360px_phone_without_horizontal_scrolling(
    phone_page, live_server, personas, screenshot_dir,
):
    page = phone_page
    for i in range(12):
        make_household(VILLAGE_A1 if i % 2 else VILLAGE_A2, members=1 + i % 5)
    household = make_household(VILLAGE_A1, members=5)

    page.goto(f"{live_server.url}/login/")
    assert body_overflow(page) <= 0
    page.screenshot(path=str(screenshot_dir / "phone-01-login.png"), full_page=True)
    log_in(page, live_server, "carol")
    assert body_overflow(page) <= 0
    page.screenshot(path=str(screenshot_dir / "phone-02-home.png"), full_page=True)

    page.goto(live_server.url + reverse("registry:household_list"))
    table = page.locator("table.households")
    assert table.locator("tbody tr").count() == 13
    assert body_overflow(page) <= 0
    wrap = page.locator(".table-wrap").first
    # The table is wider than the phone; its frame scrolls, not the page.
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") in ("auto", "scroll")
    page.screenshot(path=str(screenshot_dir / "phone-03-households.png"), full_page=True)

    page.goto(live_server.url + reverse("registry:household_detail", args=[household.pk]))
    assert page.locator("table.members tbody tr").count() == 5
    assert body_overflow(page) <= 0
    page.screenshot(path=str(screenshot_dir / "phone-04-household.png"), full_page=True)

    page.goto(live_server.url + reverse("registry:import"))
    assert page.locator("input[type=file][name=file]").count() == 1
    assert body_overflow(page) <= 0
    page.screenshot(path=str(screenshot_dir / "phone-05-import.png"), full_page=True)
    print(f"\nscreenshots: {screenshot_dir}")


def test_menu_folds_behind_a_button_on_a_phone(phone_page, live_server, personas):
    page = phone_page
    log_in(page, live_server, "carol")
    households = page.locator(f"#site-nav a[href='{reverse('registry:household_list')}']")
    toggle = page.locator("button.nav-toggle")
    assert toggle.is_visible() and not households.is_visible()
    box = toggle.bounding_box()
    assert box and box["height"] >= 44  # a thumb-sized target
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert households.is_visible()
    households.click()
    page.wait_for_url(f"**{reverse('registry:household_list')}")
