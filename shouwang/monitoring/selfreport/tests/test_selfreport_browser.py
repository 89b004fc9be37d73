"""The public report page in a real browser on a 360-px phone: it fits, and the village picker works
with and without JavaScript."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.models import SelfReport
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.testing.browser import _new_page
from shouwang.testing.browser_support import body_overflow

pytestmark = pytest.mark.browser


def fill_report(page) -> None:
    page.fill("input[name=name]", "王五")
    page.fill("input[name=id_number]", make_id_number("433122", date(1972, 2, 3), 404))
    page.fill("input[name=phone]", "13600002222")
    page.select_option("select[name=risk_type]", "YB")
    page.fill("textarea[name=description]", "妻子患病住院")
    page.check("input[name=consent]")


def test_the_report_page_fits_a_phone_and_the_township_narrows_the_villages(
    phone_page, live_server, regions, screenshot_dir,
):
    page = phone_page
    page.goto(f"{live_server.url}/report/")
    assert body_overflow(page) <= 0
    township = page.locator("select[name=township]")
    assert township.is_visible()  # shown by the script
    def village_values() -> list[str]:
        return page.eval_on_selector_all(
            "select[name=village] option", "els => els.map(e => e.value).filter(Boolean)"
        )

    assert VILLAGE_B1 in village_values()
    township.select_option(TOWNSHIP_A)
    values = village_values()
    assert VILLAGE_A1 in values and VILLAGE_A2 in values and all(v.startswith(TOWNSHIP_A) for v in values)
    page.select_option("select[name=village]", VILLAGE_A2)
    fill_report(page)
    submit = page.locator("main button[type=submit]")
    box = submit.bounding_box()
    assert box and box["height"] >= 44
    page.screenshot(path=str(screenshot_dir / "selfreport-01-form.png"), full_page=True)
    submit.click()
    page.wait_for_url("**/report/thanks/")
    assert body_overflow(page) <= 0
    page.screenshot(path=str(screenshot_dir / "selfreport-02-thanks.png"), full_page=True)
    report = SelfReport.objects.get()
    assert report.village_id == VILLAGE_A2 and report.phone_masked == "136****2222"


def test_choosing_a_village_first_sets_its_township(phone_page, live_server, regions):
    page = phone_page
    page.goto(f"{live_server.url}/report/")
    page.select_option("select[name=village]", VILLAGE_B1)
    assert page.locator("select[name=township]").input_value() == TOWNSHIP_B


def test_without_javascript_the_grouped_village_list_works_alone(browser, live_server, regions):
    context, page = _new_page(
        browser, {"width": 360, "height": 740}, java_script_enabled=False, is_mobile=True
    )
    try:
        page.goto(f"{live_server.url}/report/")
        assert not page.locator("select[name=township]").is_visible()
        assert page.locator(f"select[name=village] optgroup option[value='{VILLAGE_A1}']").count() == 1
        page.select_option("select[name=village]", VILLAGE_A1)
        fill_report(page)
        page.click("main button[type=submit]")
        page.wait_for_url("**/report/thanks/")
        assert SelfReport.objects.get().village_id == VILLAGE_A1
    finally:
        context.close()
