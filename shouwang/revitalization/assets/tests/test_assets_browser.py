"""In a real browser: the operating-asset ledger, an asset's income recorded (and an excess refused),
a disposal requested by the township and approved by the county; the pages fit a phone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.revitalization.assets.models import AssetClass, AssetIncome, AssetStatus
from shouwang.testing.browser_support import body_overflow, log_in

from .factories import make_asset

pytestmark = pytest.mark.browser


def _assets():
    factory = make_asset(VILLAGE_A1, AssetClass.OPERATING, number="ZC-TEA", name="茶叶加工厂", value="680000",
                         manager="金坪茶叶专业合作社", kind="厂房设备", quantity="1座", formed_year=2023)
    make_asset(VILLAGE_A2, AssetClass.OPERATING, number="ZC-COLD", name="果蔬冷库", value="420000")
    make_asset(VILLAGE_A1, AssetClass.PUBLIC, number="GY-ROAD", name="通组公路", value="900000")
    return factory


def test_asset_ledger_income_and_disposal(page, live_server, personas, screenshot_dir):
    factory = _assets()
    log_in(page, live_server, "carol")
    page.goto(live_server.url + reverse("revitalization:asset_ledger", args=["operating"]))
    assert sorted(page.locator("#asset-ledger tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.number)")) == ["ZC-COLD", "ZC-TEA"]
    page.click("text=茶叶加工厂")
    page.wait_for_url(live_server.url + reverse("revitalization:asset_detail", args=[factory.pk]))
    # An excess is refused with a message; the right figures are recorded.
    page.click("#income-form >> xpath=.. >> summary")
    form = page.locator("#income-form")
    form.locator("input[name=year]").fill("2025")
    form.locator("input[name=income]").fill("50000")
    form.locator("input[name=to_collective]").fill("30000")
    form.locator("input[name=to_households]").fill("15000")
    form.locator("input[name=to_monitored]").fill("8000")
    form.locator("input[name=households_reached]").fill("40")
    form.locator("input[name=monitored_reached]").fill("6")
    form.locator("button[type=submit]").click()
    assert "超过当年收益" in page.locator("#income-form .errors").inner_text()  # more than the year's income
    assert not AssetIncome.objects.exists()
    form = page.locator("#income-form")
    form.locator("input[name=to_monitored]").fill("5000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#asset-incomes tr[data-year='2025']")
    row = AssetIncome.objects.get()
    assert (row.distributed, row.retained) == (Decimal("50000"), Decimal("0"))
    # The township asks to dispose of it; only the county approves.
    page.click("#disposal-form >> xpath=.. >> summary")
    page.select_option("#disposal-form select[name=kind]", "transfer")
    page.fill("#disposal-form textarea[name=reason]", "合作社整体转让，收益归村集体")
    page.click("#disposal-form button[type=submit]")
    page.wait_for_selector("#asset-disposals tr[data-status=requested]")
    assert page.locator("#decide-form").count() == 0
    page.context.clear_cookies()

    log_in(page, live_server, "erin")
    page.goto(live_server.url + reverse("revitalization:asset_detail", args=[factory.pk]))
    page.fill("#decide-form input[name=note]", "同意转让")
    page.click("#decide-form button[value=approve]")
    page.wait_for_selector("#asset-disposals tr[data-status=approved]")
    factory.refresh_from_db()
    assert factory.status == AssetStatus.DISPOSED
    page.goto(live_server.url + reverse("revitalization:asset_ledger", args=["operating"]))
    page.screenshot(path=str(screenshot_dir / "asset-ledger-operating.png"), full_page=True)


def test_asset_pages_fit_a_360px_phone(phone_page, live_server, personas, screenshot_dir):
    factory = _assets()
    log_in(phone_page, live_server, "carol")
    for url in (reverse("revitalization:asset_index"), reverse("revitalization:asset_ledger", args=["operating"]),
                reverse("revitalization:asset_ledger", args=["public"]), reverse("revitalization:asset_new"),
                reverse("revitalization:asset_detail", args=[factory.pk])):
        phone_page.goto(live_server.url + url)
        assert body_overflow(phone_page) <= 0, url
    phone_page.goto(live_server.url + reverse("revitalization:asset_ledger", args=["operating"]))
    assert phone_page.locator("#asset-ledger tbody tr").count() == 2
    phone_page.screenshot(path=str(screenshot_dir / "phone-asset-ledger.png"), full_page=True)
