"""Categories judge a household by screening's facts and rules: the same answer at every edge,
and a changed rule parameter changes the category."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import VILLAGE_A1
from shouwang.cases.models import Category
from shouwang.cases.procedure.categories import SUDDEN_RULES, category_problems, suggest_category
from shouwang.monitoring.models import FeedSignal, MonitoringLine, Rule, Signal
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.screening.tests.test_screening_edges import EDGES, _build
from shouwang.monitoring.tests.factories import household, signal

pytestmark = pytest.mark.django_db

YEAR = 2023  # Hunan's shipped line of 7,500 yuan applies to 泸溪


def _screened() -> dict[int, set[str]]:
    screen(year=YEAR)
    fired: dict[int, set[str]] = {}
    for household_id, code in Signal.objects.values_list("household_id", "rule__code"):
        fired.setdefault(household_id, set()).add(code)
    return fired


def _expected(fired: set[str], ex_poor: bool) -> str | None:
    """The category screening's warnings point to: below the line by type, else sudden, else none."""
    if "INCOME_BELOW_LINE" in fired:
        return Category.UNSTABLE_EX_POOR if ex_poor else Category.EDGE
    return Category.SUDDEN if fired & set(SUDDEN_RULES) else None


def test_categories_agree_with_screening_on_every_edge_household(regions):
    built = {edge.name: (_build(edge), edge) for edge in EDGES}
    fired = _screened()
    for name, (h, edge) in built.items():
        ex_poor = edge.fields.get("household_type") == "ex_poor"
        assert suggest_category(h, YEAR) == _expected(fired.get(h.pk, set()), ex_poor), name


@pytest.mark.parametrize("ex_poor", [False, True])
def test_at_the_line_one_yuan_below_and_one_above(regions, ex_poor):
    kind = "ex_poor" if ex_poor else "ordinary"
    below, at, above = (household(VILLAGE_A1, wage=w, household_type=kind) for w in ("7499", "7500", "7501"))
    fired = _screened()
    assert fired.get(below.pk) == {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE"}
    assert at.pk not in fired and above.pk not in fired
    assert suggest_category(below, YEAR) == (Category.UNSTABLE_EX_POOR if ex_poor else Category.EDGE)
    assert suggest_category(at, YEAR) is None and suggest_category(above, YEAR) is None
    below_category = Category.UNSTABLE_EX_POOR if ex_poor else Category.EDGE
    assert category_problems(below, below_category, YEAR) == []
    assert category_problems(at, Category.SUDDEN, YEAR) == []
    assert category_problems(above, Category.SUDDEN, YEAR) == []
    assert "not below the line" in category_problems(at, below_category, YEAR)[0]


def test_a_changed_line_changes_the_category(regions):
    h = household(VILLAGE_A1, wage="7600")
    assert suggest_category(h, YEAR) is None
    MonitoringLine.objects.filter(year=YEAR, region_code="43").update(amount=Decimal("7600.01"))
    assert suggest_category(h, YEAR) == Category.EDGE


def test_a_changed_income_drop_parameter_changes_the_category(regions):
    h = household(VILLAGE_A1, wage="8000", prev_wage="20000")  # −60 %, above the line, below 1.5 × line
    assert suggest_category(h, YEAR) == Category.SUDDEN
    Rule.objects.filter(code="INCOME_DROP").update(parameters={"drop": 0.61, "line_multiple": 1.5})
    assert suggest_category(h, YEAR) is None
    Rule.objects.filter(code="INCOME_DROP").update(parameters={"drop": 0.6, "line_multiple": 1.06})
    assert suggest_category(h, YEAR) is None  # 8,000 is not below 1.06 × 7,500 = 7,950
    Rule.objects.filter(code="INCOME_DROP").update(parameters={"drop": 0.6, "line_multiple": 1.07})
    assert suggest_category(h, YEAR) == Category.SUDDEN


def test_a_changed_medical_parameter_changes_the_category(regions):
    h = household(VILLAGE_A1, wage="60000")  # half the net income is 30,000: only the amount can fire
    signal(h, FeedSignal.Kind.MEDICAL_OUT_OF_POCKET, date(YEAR, 6, 1), "21000")
    assert suggest_category(h, YEAR) == Category.SUDDEN  # ordinary household: 20,000
    params = {"ex_poor_amount": 5000, "other_amount": 21000.01, "income_share": 0.5}
    Rule.objects.filter(code="MEDICAL_SPENDING").update(parameters=params)
    assert suggest_category(h, YEAR) is None
    Rule.objects.filter(code="MEDICAL_SPENDING").update(parameters={**params, "income_share": 0.34})
    assert suggest_category(h, YEAR) == Category.SUDDEN  # 21,000 > 0.34 × 60,000 = 20,400


def test_an_inactive_rule_is_no_sign_of_difficulty(regions):
    h = household(VILLAGE_A1, wage="9000", compliant_out_of_pocket=Decimal("2000"))  # 7,000 after spending
    assert suggest_category(h, YEAR) == Category.SUDDEN
    Rule.objects.filter(code="ADJUSTED_INCOME_BELOW_LINE").update(active=False)
    assert suggest_category(h, YEAR) is None
