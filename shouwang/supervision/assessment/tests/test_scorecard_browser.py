"""In a real browser, in Chinese: a township officer opens their township's scorecard, and the county's
scorecard fits a phone. (The screenshots in docs/screenshots/ come from ``make screenshots``, not from tests.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A
from shouwang.supervision.assessment import services as assessment
from shouwang.testing.browser_support import body_overflow, log_in

from .assessment_registry import PERIOD, build

pytestmark = pytest.mark.browser

QUERY = f"start={PERIOD[0].isoformat()}&end={PERIOD[1].isoformat()}"


@pytest.fixture(autouse=True)
def catalogues(live_server):
    """The seeded catalogues: a live-server test flushes the tables the data migration filled."""
    from django.apps import apps

    from shouwang.cases.catalogue.seed import seed_catalogues

    seed_catalogues(apps.get_model("cases", "RiskType"), apps.get_model("cases", "MeasureType"))


def test_township_scorecard_in_chinese(page, live_server, personas, screenshot_dir):
    build()
    assessment.compute_snapshot(COUNTY, *PERIOD, user=personas["erin"])
    log_in(page, live_server, "carol")
    page.goto(f"{live_server.url}{reverse('supervision:assessment')}?{QUERY}")
    assert "达岚镇" in page.inner_text("main") and "兴隆场镇" not in page.inner_text("main")
    page.click(f"table.scorecard a[href*='township={TOWNSHIP_A}']")
    page.wait_for_selector("table.scorecard tbody tr")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    main = page.inner_text("main")
    assert "识别纳入及时率" in main and "覃木阳村" in main and "六里村" in main
    first = page.locator("table.scorecard tbody tr").first
    assert "覃木阳村" in first.inner_text() and "55.6" in first.inner_text()
    page.screenshot(path=str(screenshot_dir / "township-scorecard.png"), full_page=True)


def test_county_scorecard_fits_a_phone(phone_page, live_server, personas, screenshot_dir):
    build()
    assessment.compute_snapshot(COUNTY, *PERIOD, user=personas["erin"])
    log_in(phone_page, live_server, "grace")
    for name in ("supervision:assessment", "supervision:assessment_indicators"):
        phone_page.goto(f"{live_server.url}{reverse(name)}?{QUERY}")
        assert body_overflow(phone_page) <= 0, name
        phone_page.screenshot(path=str(screenshot_dir / f"phone-{name.split(':')[1]}.png"), full_page=True)
    phone_page.goto(f"{live_server.url}{reverse('supervision:assessment_township')}?township={TOWNSHIP_A}&{QUERY}")
    assert body_overflow(phone_page) <= 0
