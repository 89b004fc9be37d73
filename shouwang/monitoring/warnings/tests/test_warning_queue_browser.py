"""In a real browser on a 375-px phone: the warning queue shows every column of every warning as a
card (no hidden column, nothing to scroll sideways to), and a cadre reaches a household's phone."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1
from shouwang.monitoring.tests.warning_helpers import make_warning
from shouwang.registry.models import Member, Relation
from shouwang.testing.browser_support import body_overflow, log_in

pytestmark = pytest.mark.browser
WIDTH = 375


@pytest.fixture(autouse=True)
def default_rules(live_server):
    """The shipped rules: a live-server test flushes the tables the data migration filled."""
    import importlib

    from django.apps import apps

    importlib.import_module("shouwang.monitoring.migrations.0002_default_lines_and_rules").forward(apps, None)


def test_every_column_of_the_queue_is_visible_on_a_phone(phone_page, live_server, personas, screenshot_dir):
    pg = phone_page
    pg.set_viewport_size({"width": WIDTH, "height": 800})
    warnings = [make_warning(VILLAGE_A1, due=date(2020, 1, 1)), make_warning(VILLAGE_A1)]
    for n, warning in enumerate(warnings):
        Member.objects.filter(household=warning.household, relation=Relation.HEAD).update(name=f"户主甲{n}")
    log_in(pg, live_server, "alice")
    pg.goto(live_server.url + reverse("monitoring:warning_list"))
    assert body_overflow(pg) <= 0
    pg.screenshot(path=str(screenshot_dir / "phone-375-warning-queue.png"), full_page=True)

    rows = pg.locator("table.warnings tbody tr")
    assert rows.count() == 2
    columns = pg.locator("table.warnings thead th").count()
    for i in range(2):
        cells = rows.nth(i).locator("th, td")
        assert cells.count() == columns
        for j in range(columns):
            cell = cells.nth(j)
            box = cell.bounding_box()
            assert cell.is_visible() and box is not None, (i, j)
            assert box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, (i, j, box)
            assert cell.inner_text().strip(), (i, j)
    text = pg.locator("table.warnings").inner_text()
    assert "户主甲0" in text and "户主甲1" in text
    for warning in warnings:
        assert warning.household.number in text

    # From a warning to the household's phone, one logged click, shown as a link that dials.
    pg.goto(live_server.url + reverse("monitoring:warning_detail", args=[warnings[0].pk]))
    pg.click("form.reveal-phone button[type=submit]")
    link = pg.locator("a.tel").first
    link.wait_for()
    head = Member.objects.get(household=warnings[0].household, relation=Relation.HEAD)
    assert link.get_attribute("href") == f"tel:{head.phone}"
    assert body_overflow(pg) <= 0
    pg.context.clear_cookies()
