"""The rule language accepts the documented subset and refuses everything else, saying where."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shouwang.monitoring.rules.compiler import (
    RuleError,
    check_expression,
    check_parameters,
    compile_expression,
)
from shouwang.monitoring.rules.facts import FACTS


@pytest.mark.parametrize(
    "expression, facts",
    [
        ("per_capita_income < line", ["per_capita_income", "line"]),
        ("income_change <= -drop and per_capita_income < 1.5 * line", ["income_change", "per_capita_income", "line"]),
        ('housing_grade in ("C", "D")', ["housing_grade"]),
        ('housing_grade not in ["A", "B", ""]', ["housing_grade"]),
        ("(no_labour or labour_members == 0) and not safety_net", ["no_labour", "labour_members", "safety_net"]),
        ("0 < members <= 3", ["members"]),
        ("water_secured == False", ["water_secured"]),
        ("medical_out_of_pocket_12m > net_income / 2 - 100 + +1", ["medical_out_of_pocket_12m", "net_income"]),
        ("   dropout", ["dropout"]),
        ("(dropout or\n uninsured_member)", ["dropout", "uninsured_member"]),
        ("members in (1, 2, -3)", ["members"]),
    ],
)
def test_documented_expressions_compile_and_report_the_facts_they_use(expression, facts):
    assert check_expression(expression, {"drop": 0.3}) == facts


def _error(expression: str, parameters: dict | None = None) -> RuleError:
    with pytest.raises(RuleError) as info:
        compile_expression(expression, parameters)
    return info.value


@pytest.mark.parametrize(
    "expression, offset, words",
    [
        ("abs(net_income) > 0", 0, "Function calls"),
        ("per_capita_income < line.real", 20, "Attribute"),
        ("net_income.__class__ == 1", 0, "Attribute"),
        ("members[0] > 1", 0, "Subscripts"),
        ("(lambda: True)()", 0, "Function calls"),
        ("dropout and (lambda x: x)", 13, "Lambda"),
        ("[x for x in (1, 2)] == 1", 0, "Comprehensions"),
        ("any(x for x in (1, 2))", 0, "Function calls"),
        ("dropout or (x for x in (1,))", 11, "Comprehensions"),
        ("__import__('os').system('true')", 0, "Function calls"),
        ("__import__ == 1", 0, "Unknown name"),
        ("per_capita_income < foo", 20, "Unknown name “foo”"),
        ("'a' + 'b' == 'ab'", 0, "numbers only"),
        ("housing_grade + 'X' == 'CX'", 0, "numbers only"),
        ("housing_grade == 'C' * 2", 17, "numbers only"),
        ("net_income ** 2 > 1", 0, "“**”"),
        ("net_income % 2 == 1", 0, "“%”"),
        ("net_income // 2 == 1", 0, "“//”"),
        ("dropout & water_secured", 0, "“&”"),
        ("~members > 1", 0, "“~”"),
        ("dropout is True", 11, "“is”"),
        ("1 if dropout else 0", 0, "Conditional expressions"),
        ("(x := 1) > 0", 1, "Assignment"),
        ("f'{net_income}' == '1'", 0, "f-strings"),
        ("{'a': 1} == 1", 0, "Dictionaries"),
        ("members in (1, line)", 15, "constants only"),
        ("members in line", 11, "list of constants"),
        ("members in ()", 11, "empty"),
        ("(1, 2) == members", 0, "only follow in"),
        ("net_income == None", 14, "None"),
        ("housing_grade < 5", 0, "Expected a number"),
        ("per_capita_income", 0, "must be a condition"),
        ("dropout and members", 12, "Expected true or false"),
        ("housing_grade in (1, 2)", 18, "Expected text"),
        ("members > 1e999", 10, "too large"),
        ("members >", 9, "Syntax error"),
        ("  per_capita_income < lien", 22, "did you mean “line”"),
    ],
)
def test_refused_expressions_name_the_problem_and_its_position(expression, offset, words):
    error = _error(expression)
    assert words in error.message
    assert error.offset == offset
    assert error.column == offset + 1
    assert str(error).startswith(f"Column {offset + 1}:")


def test_position_counts_characters_not_bytes_after_chinese_text():
    error = _error('housing_grade == "危房" and foo')
    assert error.offset == len('housing_grade == "危房" and ')


def test_position_on_a_later_line_names_the_line():
    error = _error("(dropout or\n  bar)")
    assert (error.line, error.column) == (2, 3)
    assert str(error).startswith("Line 2, column 3:")


def test_expression_limits():
    assert "empty" in _error("   ").message
    assert "longer" in _error("dropout or " * 300 + "dropout").message
    assert "nested parentheses" in _error("(" * 900 + "1" + ")" * 900).message
    assert "nested" in _error("members > " + "-" * 1980 + "1").message
    assert "nested" in _error("not " * 490 + "dropout").message


def test_parameters_are_numbers_with_names_that_are_not_facts():
    assert check_parameters({"drop": 0.3, "amount": 5000, "share": "0.5"}) == {
        "drop": Decimal("0.3"), "amount": Decimal("5000"), "share": Decimal("0.5"),
    }
    for bad in ({"line": 1}, {"drop": True}, {"drop": "x"}, {"drop": None}, {"__class__": 1}, {"a b": 1},
                {"drop": float("inf")}, ["drop"]):
        with pytest.raises(RuleError):
            check_parameters(bad)


def test_a_parameter_is_usable_only_in_the_rule_that_defines_it():
    assert compile_expression("members > n", {"n": 2}).parameters == {"n": Decimal("2")}
    assert "Unknown name “n”" in _error("members > n").message


def test_every_fact_is_documented_with_a_type():
    for name, fact in FACTS.items():
        assert name.isidentifier() and str(fact.description)
        assert fact.type in ("number", "flag", "text")
    expected = {
        "per_capita_income", "net_income", "line", "prev_per_capita_income", "income_change",
        "compliant_out_of_pocket", "adjusted_per_capita_income", "members", "labour_members", "housing_grade",
        "water_secured", "dropout", "uninsured_member", "ex_poor", "no_labour", "safety_net",
        "medical_out_of_pocket_12m", "new_dibao_tekun", "new_severe_disability", "disaster_loss", "unemployment",
    }
    assert expected <= set(FACTS)
