"""A fact's value in words, as the warning's evidence and the rule check show it."""

from __future__ import annotations

import pytest

from shouwang.monitoring.rules.facts import format_value


@pytest.mark.parametrize(("value", "name", "words"), [
    (None, "", "unknown"),
    (True, "", "yes"),
    (False, "", "no"),
    (12345, "", "12,345"),
    (2500.0, "", "2,500"),
    (1234.567, "", "1,234.57"),
    (-0.25, "income_change", "-25.0 %"),
    ("", "", "(empty)"),
    (["a", 3000, None], "", "a, 3,000, unknown"),
    ("poor", "", "poor"),
])
def test_format_value(value, name, words):
    assert format_value(value, name) == words
