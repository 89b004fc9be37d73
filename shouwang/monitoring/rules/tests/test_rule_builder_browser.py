"""In a real browser, in Chinese: the rule page builds a simple condition from a fact, a comparison
and a value, writes the expression it stands for, checks it, and saves it; the rules page then
shows the condition in words."""

from __future__ import annotations

import importlib

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1
from shouwang.monitoring.models import Rule
from shouwang.monitoring.tests.factories import household
from shouwang.testing.browser_support import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def default_rules(live_server):
    """The shipped lines and rules: a live-server test flushes the tables the data migration filled."""
    from django.apps import apps

    importlib.import_module("shouwang.monitoring.migrations.0002_default_lines_and_rules").forward(apps, None)


def test_a_simple_rule_is_built_from_a_fact_a_comparison_and_a_value(page, live_server, personas):
    household(VILLAGE_A1, number="A1-big-family", members=6, wage="12000")
    household(VILLAGE_A1, number="A1-small", members=2)
    log_in(page, live_server, "frank")
    page.goto(live_server.url + reverse("monitoring:rule_create"))
    page.fill("input[name=code]", "BIG_FAMILY")
    page.fill("input[name=name_zh]", "家庭人口较多")
    page.fill("input[name=name_en]", "Large household")
    page.check("input[name=mode][value=simple]")
    page.select_option("select[name=simple_fact]", "members")
    page.select_option("select[name=simple_comparison]", ">=")
    page.fill("input[name=simple_value]", "5")
    expression = page.locator("textarea[name=expression]")
    assert expression.input_value() == "members >= 5"  # the expression the choices stand for
    page.locator("#rule-check.ok strong").wait_for()
    assert page.locator("#rule-check strong").inner_text() == "1"  # checked like a typed expression
    with page.expect_navigation():
        page.click("#rule-form button[type=submit]")
    rule = Rule.objects.get(code="BIG_FAMILY")
    assert rule.expression == "members >= 5" and rule.version == 1

    page.goto(live_server.url + reverse("monitoring:rule_list"))
    row = page.locator("table.rules tr", has_text="BIG_FAMILY")
    assert row.locator("td.condition").inner_text() == "家庭人口数不低于5"

    # Typing an expression by hand leaves the simple form.
    page.goto(live_server.url + reverse("monitoring:rule_edit", args=[rule.pk]))
    assert page.locator("input[name=mode][value=simple]").is_checked()
    expression.fill("")
    expression.press_sequentially("members >= 5 and dropout")
    assert page.locator("input[name=mode][value=expression]").is_checked()
    assert page.locator("#simple-condition").is_hidden()
