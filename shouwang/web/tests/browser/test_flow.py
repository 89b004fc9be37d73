"""A township officer's first session in a real browser: log in, find a household, open it (numbers
masked), then validate a registry file with a wrong check digit and read the report.

The import page is written against the agreed behaviour: a form with a file input named
``file``, a way to ask for validation only, a submit button, and a status page that lists the
problems in a table (sheet, row, column, reason).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.idnumbers import IdNumberError, check_digit
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.tests.factories import make_household
from shouwang.testing.browser_support import assert_nothing_in_clear, log_in

pytestmark = pytest.mark.browser

MEMBER_HEADERS = [
    "户编号", "村代码", "户类型", "姓名", "证件号码", "与户主关系", "性别", "民族", "文化程度", "在校生情况",
    "健康状况", "劳动技能", "务工所在地", "务工时长(月)", "联系电话", "参加基本医疗保险", "享受低保", "特困供养",
]
YEAR_HEADERS = [
    "户编号", "年度", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出", "合规自付支出",
    "住房安全等级", "饮水安全", "义务教育辍学",
]


def wrong_check_digit_id() -> tuple[str, str]:
    """A synthetic ID number whose last character is not its check digit, and the right one."""
    good = make_id_number("433122", date(1980, 5, 17), 123)
    expected = check_digit(good[:17])
    wrong = next(c for c in "0123456789" if c != expected)
    return good[:17] + wrong, expected


def write_bad_registry(path: Path, bad_id: str) -> Path:
    """Two sheets with the agreed headers; member row 2 carries a wrong check digit."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    text = workbook.add_format({"num_format": "@"})
    members = workbook.add_worksheet("家庭成员")
    members.write_row(0, 0, MEMBER_HEADERS)
    row = ["BRW-0001", VILLAGE_A1, "一般农户", "试验甲", bad_id, "户主", "男", "汉族", "初中", "非在校生",
           "健康", "普通劳动力", "县内", "6", "13900001111", "是", "否", "否"]
    for col, value in enumerate(row):
        members.write_string(1, col, value, text)  # text cells, as ID numbers must be
    years = workbook.add_worksheet("收支情况")
    years.write_row(0, 0, YEAR_HEADERS)
    years.write_row(1, 0, ["BRW-0001", 2023, 20000, 5000, 0, 1000, 2000, 0, "A", "是", "否"])
    workbook.close()
    return path


def choose_validate_only(form):
    """Select "validate only" however the import form offers it; return the button to press."""
    for selector in ("input[type=checkbox][name=commit]", "input[type=checkbox][name=confirm]"):
        box = form.locator(selector)
        if box.count():
            box.first.uncheck()
    for selector in ("input[type=checkbox][name=dry_run]", "input[type=checkbox][name=validate_only]",
                     "input[type=radio][value=validate]", "input[type=radio][value=dry_run]",
                     "input[type=radio][value=validate_only]"):
        choice = form.locator(selector)
        if choice.count():
            choice.first.check()
            break
    for selector in ("button[value=validate]", "button[name=validate]", "button[value=dry_run]",
                     "button[name=dry_run]", "button[value=validate_only]"):
        button = form.locator(selector)
        if button.count():
            return button.first
    return form.locator("button[type=submit], input[type=submit]").first


def test_log_in_search_open_household_and_read_import_report(
    page, live_server, personas, screenshot_dir, tmp_path,
):
    target = make_household(VILLAGE_A1, members=3)
    make_household(VILLAGE_A1, members=2)
    outsider = make_household(VILLAGE_B1, members=2)
    head = target.members.order_by("pk").first()

    # Log in as the township officer of township A.
    page.goto(live_server.url + reverse("registry:household_list"))
    assert "/login/" in page.url  # anonymous users are sent to the login page
    log_in(page, live_server, "carol")
    page.screenshot(path=str(screenshot_dir / "01-home.png"), full_page=True)

    # Search a household by its head's name.
    page.click(f"#site-nav a[href='{reverse('registry:household_list')}']")
    page.fill("input[name=q]", head.name)
    page.click("form[role=search] button[type=submit]")
    rows = page.locator("table.households tbody tr")
    assert rows.count() == 1
    assert target.number in rows.first.inner_text()
    assert outsider.number not in page.content()
    page.screenshot(path=str(screenshot_dir / "02-search.png"), full_page=True)

    # Open it: members are listed with masked ID and phone numbers only.
    rows.first.locator("a").first.click()
    page.wait_for_url(f"**{reverse('registry:household_detail', args=[target.pk])}")
    members = page.locator("table.members tbody tr")
    assert members.count() == 3
    body = page.locator("table.members").inner_text()
    for member in target.members.all():
        assert member.id_masked in body and member.phone_masked in body
    html = page.content()
    assert_nothing_in_clear(html)
    assert "unmask" not in html  # carol has no unmask permission: no form is offered
    page.screenshot(path=str(screenshot_dir / "03-household.png"), full_page=True)

    # Go to the import page and validate a file with a wrong check digit.
    bad_id, expected = wrong_check_digit_id()
    upload = write_bad_registry(tmp_path / "bad-registry.xlsx", bad_id)
    page.click(f"#site-nav a[href='{reverse('registry:import')}']")
    page.wait_for_url(f"**{reverse('registry:import')}")
    form = page.locator("form:has(input[type=file][name=file])")
    assert form.count() == 1, "the import page has a form with a file input named 'file'"
    form.locator("input[name=file]").set_input_files(str(upload))
    submit = choose_validate_only(form)
    page.screenshot(path=str(screenshot_dir / "04-import-form.png"), full_page=True)
    submit.click()

    # The report names the sheet, the row and the reason.
    with translation.override("zh-hans"):
        reason = IdNumberError("bad_checksum", expected=expected).message
    problem = page.locator("table tr", has_text=reason)
    for _attempt in range(30):  # the status page may refresh itself while the job runs
        if problem.count():
            break
        page.wait_for_timeout(500)
        if _attempt % 4 == 3:
            page.reload()
    assert problem.count() >= 1, f"no report row with the reason {reason!r}"
    cells = [c.strip() for c in problem.first.locator("td, th").all_inner_texts()]
    assert "家庭成员" in cells
    assert "2" in cells  # spreadsheet row 2: the first row under the header
    assert any("证件号码" in c for c in cells)
    assert_nothing_in_clear(page.content())  # the rejected number is shown masked
    page.screenshot(path=str(screenshot_dir / "05-import-report.png"), full_page=True)

    # Validation only: nothing was written.
    from shouwang.registry.models import Household

    assert not Household.objects.filter(number="BRW-0001").exists()
    print(f"\nscreenshots: {screenshot_dir}")


def test_language_switch_in_the_browser(page, live_server, personas):
    log_in(page, live_server, "alice")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.click("form.lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.url.rstrip("/") == live_server.url  # back on the page it was switched from
