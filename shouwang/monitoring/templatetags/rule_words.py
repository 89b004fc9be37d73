"""``{% load rule_words %}``: a rule's condition and a fact's name in words, for any page that shows them."""

from __future__ import annotations

from django import template

from shouwang.monitoring.rules.wording import describe_condition, fact_label

register = template.Library()


@register.filter(name="condition")
def condition_filter(expression: str, parameters=None) -> str:
    """``{{ rule.expression|condition:rule.parameters }}``: 家庭人均纯收入低于监测收入基准线."""
    return describe_condition(expression or "", _parameters(parameters))


def _parameters(parameters) -> dict:
    """A rule's parameters as a mapping, or as rows of ``name`` and formatted ``value`` (warning evidence)."""
    if isinstance(parameters, dict):
        return parameters
    values = {}
    for row in parameters or ():
        name, value = getattr(row, "name", None), getattr(row, "value", None)
        if isinstance(name, str) and value is not None:
            values[name] = str(value).replace(",", "").replace(" ", "")
    return values


@register.filter(name="fact_label")
def fact_label_filter(name: str) -> str:
    """``{{ name|fact_label }}``: a fact's short name in the page's language."""
    return fact_label(str(name))
