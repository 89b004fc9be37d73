"""A rule's condition in words, and the simple conditions the rule form builds from a fact, a
comparison and a value."""

from __future__ import annotations

import pytest
from django.utils import translation

from shouwang.monitoring.rules.compiler import compile_expression
from shouwang.monitoring.rules.facts import FACTS, FLAG
from shouwang.monitoring.rules.wording import (
    LABELS,
    NEGATED,
    compose_simple,
    describe_condition,
    parse_simple,
    simple_comparisons,
)

DEFAULT_PARAMETERS = {"drop": 0.3, "line_multiple": 1.5, "ex_poor_amount": 5000, "other_amount": 20000,
                      "income_share": 0.5}


def test_every_fact_has_a_short_name_and_negations_are_of_flags():
    assert set(LABELS) == set(FACTS)
    assert all(FACTS[name].type == FLAG for name in NEGATED)


def test_conditions_read_as_sentences_with_the_facts_names():
    assert describe_condition("per_capita_income < line") == "per-capita net income is below the monitoring line"
    assert describe_condition("income_change <= -drop and per_capita_income < line_multiple * line",
                              {"drop": 0.3, "line_multiple": 1.5}) == (
        "change of per-capita net income against the previous year is at most -30%"
        " and per-capita net income is below 1.5 × the monitoring line")
    assert describe_condition('housing_grade in ("C", "D")') == "housing safety grade is one of C, D"
    assert describe_condition("not water_secured") == "drinking water is not secured"
    assert describe_condition("(no_labour or labour_members == 0) and not safety_net") == (
        "(the whole household has no labour capacity or members with labour capacity is 0)"
        " and no member receives the minimum living allowance or extreme-poverty support")
    assert describe_condition("medical_out_of_pocket_12m >= 20000") == (
        "out-of-pocket medical spending in the last 12 months is at least 20,000 yuan")


def test_conditions_are_chinese_on_chinese_pages():
    with translation.override("zh-hans"):
        words = describe_condition("per_capita_income < line")
        assert "低于" in words and "监测" in words and "line" not in words


def test_an_expression_that_cannot_be_worded_is_shown_as_it_is():
    assert describe_condition("per_capita_income <") == "per_capita_income <"
    assert describe_condition("unknown_fact < 3") == "unknown_fact < 3"


@pytest.mark.parametrize("fact, comparison, value, other, expected", [
    ("per_capita_income", "<", "", "line", "per_capita_income < line"),
    ("per_capita_income", "<", "1.5", "line", "per_capita_income < 1.5 * line"),
    ("per_capita_income", "<", "7,500", "", "per_capita_income < 7500"),
    ("income_change", "<=", "-0.3", "", "income_change <= -0.3"),
    ("housing_grade", "in", "C, D", "", 'housing_grade in ("C", "D")'),
    ("housing_grade", "==", "D", "", 'housing_grade == "D"'),
    ("dropout", "true", "", "", "dropout"),
    ("water_secured", "false", "", "", "not water_secured"),
])
def test_simple_conditions_compose_expressions_the_compiler_accepts(fact, comparison, value, other, expected):
    expression = compose_simple(fact, comparison, value, other)
    assert expression == expected
    compile_expression(expression)  # raises if the language refuses it
    fields = parse_simple(expression)  # the edit page fills the simple form again from the rule
    assert fields["fact"] == fact and fields["comparison"] == comparison and compose_simple(**fields) == expression


@pytest.mark.parametrize("fact, comparison, value", [
    ("", "<", "1"), ("per_capita_income", "true", ""), ("per_capita_income", "<", "abc"),
    ("per_capita_income", "<", ""), ("dropout", "<", "1"),
])
def test_simple_conditions_refuse_what_does_not_fit(fact, comparison, value):
    with pytest.raises(ValueError):
        compose_simple(fact, comparison, value)


def test_only_simple_expressions_fill_the_simple_form():
    assert parse_simple("income_change <= -drop and per_capita_income < line_multiple * line") is None
    assert parse_simple("1 < members < 5") is None
    assert simple_comparisons(FLAG) == ["true", "false"]
