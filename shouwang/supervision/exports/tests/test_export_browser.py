"""In a real browser: export the household list as a background job, wait for it, download and open the file."""

from __future__ import annotations

import fastexcel
import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.registry.tests.factories import make_household
from shouwang.testing.browser_support import log_in

pytestmark = pytest.mark.browser


def test_export_runs_as_a_job_and_downloads(page, live_server, personas, settings, tmp_path, screenshot_dir):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"
    settings.SHOUWANG_EXPORT_SYNC_ROWS = 0  # every export goes through the job and its progress page
    make_household(VILLAGE_A1, "A1-EXPORT-1")
    make_household(VILLAGE_A1, "A1-EXPORT-2")
    make_household(VILLAGE_B1, "B1-EXPORT-1")
    log_in(page, live_server, "carol")
    page.goto(live_server.url + reverse("registry:household_list"))
    page.click(".export-control summary")
    page.click(".export-control button[type=submit]")
    page.wait_for_selector("#export-download")  # the progress page reloads itself until the file is ready
    page.screenshot(path=str(screenshot_dir / "export-ready.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#export-download")
    target = tmp_path / "downloaded.xlsx"
    info.value.save_as(target)
    rows = fastexcel.read_excel(str(target)).load_sheet(0, header_row=None).to_polars().rows()
    assert rows[0][0] == "户编号" and rows[0][4] == "户主姓名"
    assert sorted(r[0] for r in rows[1:]) == ["A1-EXPORT-1", "A1-EXPORT-2"]
