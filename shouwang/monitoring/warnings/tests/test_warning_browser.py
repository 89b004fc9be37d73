"""In a real browser: the rule page checks the expression as it is typed, and the warning,
rule, line and screening pages fit a 360-px phone."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.monitoring.models import Rule
from shouwang.monitoring.tests.factories import household
from shouwang.monitoring.tests.warning_helpers import make_warning
from shouwang.testing.browser_support import body_overflow, log_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_rules(live_server):
    """The shipped lines and rules: a live-server test flushes the tables the data migration filled."""
    import importlib

    from django.apps import apps

    importlib.import_module("shouwang.monitoring.migrations.0002_default_lines_and_rules").forward(apps, None)


def test_rule_page_checks_the_expression_while_typing(page, live_server, personas):
    household(VILLAGE_A1, number="A1-poor", wage="7000")
    household(VILLAGE_B1, number="B1-poor", wage="6000")
    household(VILLAGE_B1, number="B1-fine")
    rule = Rule.objects.get(code="INCOME_BELOW_LINE")
    log_in(page, live_server, "frank")
    page.goto(live_server.url + reverse("monitoring:rule_edit", args=[rule.pk]))
    box = page.locator("#rule-check")
    box.locator("strong").wait_for()  # the saved expression is checked on load
    assert box.locator("strong").inner_text() == "2"
    assert box.locator("tbody tr").count() == 2

    expression = page.locator("textarea[name=expression]")
    expression.fill("")
    expression.press_sequentially("per_capita_income < lien")
    page.wait_for_selector("#rule-check.error pre")
    # The line at fault, and a caret under column 21 where the unknown name starts.
    assert box.locator("pre").inner_text() == "per_capita_income < lien\n" + " " * 20 + "^"
    assert "lien" in box.inner_text()

    expression.press("Backspace")
    expression.press("Backspace")
    expression.press_sequentially("ne * 1.1")
    page.wait_for_selector("#rule-check.ok strong")
    assert box.locator("strong").inner_text() == "2"
    assert sorted(box.locator("tbody tr td:first-child a").all_inner_texts()) == ["A1-poor", "B1-poor"]
    rule.refresh_from_db()
    assert rule.expression == "per_capita_income < line" and rule.version == 1  # nothing saved by checking


def test_monitoring_pages_fit_a_360px_phone(phone_page, live_server, personas, screenshot_dir):
    pg = phone_page
    warning = make_warning(VILLAGE_A1, due=date(2020, 1, 1), rule_code="INCOME_DROP", evidence={
        "rule": "INCOME_DROP", "rule_version": 1, "expression": "income_change <= -drop and per_capita_income < "
        "line_multiple * line", "facts": {"income_change": -0.35, "per_capita_income": 6500, "line": 7500},
        "parameters": {"drop": 0.3, "line_multiple": 1.5}, "window": ["2023-01-01", "2023-12-31"],
    })
    for _ in range(3):
        make_warning(VILLAGE_A1)
    log_in(pg, live_server, "alice")
    for name, args in (("warning_list", []), ("warning_detail", [warning.pk]), ("warning_counts", []),
                       ("rule_list", []), ("line_list", [])):
        pg.goto(live_server.url + reverse(f"monitoring:{name}", args=args))
        assert body_overflow(pg) <= 0, name
        pg.screenshot(path=str(screenshot_dir / f"phone-monitoring-{name}.png"), full_page=True)
    pg.goto(live_server.url + reverse("monitoring:warning_detail", args=[warning.pk]))
    pg.click(".actions-forms button[type=submit]")  # start verifying
    pg.wait_for_selector("textarea[name=reason]")
    assert pg.locator("textarea[name=reason]").count() == 2
    assert body_overflow(pg) <= 0
    pg.context.clear_cookies()
    log_in(pg, live_server, "frank")
    for name in ("screening", "rule_create"):
        pg.goto(live_server.url + reverse(f"monitoring:{name}"))
        assert body_overflow(pg) <= 0, name
        pg.screenshot(path=str(screenshot_dir / f"phone-monitoring-{name}.png"), full_page=True)
    print(f"\nscreenshots: {screenshot_dir}")
