"""In a real browser: the relative-poverty page draws its charts (Apache ECharts served by the site,
under the CSP, no console error), drills down to a township, and fits a phone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.testing.browser_support import body_overflow, log_in

from .relative_registry import REGISTRY, YEAR, add

pytestmark = pytest.mark.browser


@pytest.fixture
def relative_data(live_server, personas):
    for row in REGISTRY:
        add(*row)
        add(*row, year=YEAR - 1)
    MonitoringLine.objects.create(year=YEAR, region_code=COUNTY, amount=Decimal("6000"))


def console_errors(pg) -> list[str]:
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_the_county_page_draws_its_charts_and_drills_down(page, live_server, relative_data, screenshot_dir):
    errors = console_errors(page)
    log_in(page, live_server, "erin")
    page.goto(live_server.url + reverse("revitalization:relative_poverty"))
    page.wait_for_selector("[data-chart=trend] svg")
    page.wait_for_selector("[data-chart=parts] svg")
    assert page.locator("[data-chart=parts] svg path").count() > 3
    assert errors == []
    page.screenshot(path=str(screenshot_dir / "relative-poverty.png"), full_page=True)
    page.click(f"table[data-table=parts] tr[data-code='{TOWNSHIP_A}'] th a")
    page.wait_for_url(f"**region={TOWNSHIP_A}**")
    assert page.locator("table[data-table=parts] tbody tr").count() >= 2


def test_the_page_fits_a_phone(phone_page, live_server, relative_data, screenshot_dir):
    errors = console_errors(phone_page)
    log_in(phone_page, live_server, "carol")
    phone_page.goto(live_server.url + reverse("revitalization:relative_poverty"))
    phone_page.wait_for_selector("[data-chart=trend] svg")
    assert body_overflow(phone_page) <= 0
    assert errors == []
    phone_page.screenshot(path=str(screenshot_dir / "relative-poverty-phone.png"), full_page=True)
