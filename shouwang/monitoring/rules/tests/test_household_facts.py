"""The facts and rule outcomes of one household-year are screening's, rule by rule and edge by edge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import VILLAGE_A1
from shouwang.monitoring.models import MonitoringLine, Rule, Signal, Warning
from shouwang.monitoring.rules.household import household_year_facts, rule_parameters
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.screening.tests.test_screening_edges import EDGES, Edge, _build
from shouwang.monitoring.tests.factories import household

pytestmark = pytest.mark.django_db


def _all_rules() -> list[str]:
    return list(Rule.objects.filter(active=True).values_list("code", flat=True))


def test_every_edge_holds_exactly_the_rules_screening_fires(regions):
    built = {edge.name: _build(edge) for edge in EDGES}
    screen(year=2023)
    fired: dict[int, set[str]] = {}
    for household_id, code in Signal.objects.values_list("household_id", "rule__code"):
        fired.setdefault(household_id, set()).add(code)
    codes = _all_rules()
    for edge in EDGES:
        facts = household_year_facts(built[edge.name].pk, 2023, rules=codes)
        assert set(facts.holds) == fired.get(built[edge.name].pk, set()) == edge.expected, edge.name


def test_facts_are_the_evidence_screening_writes(regions):
    h = _build(Edge("drop", set(), {"prev_wage": "16000", "wage": "11200"}))
    screen(year=2023)
    evidence = Warning.objects.get(household=h).evidence
    facts = household_year_facts(h.pk, 2023, rules=["INCOME_DROP"])
    assert facts.holds == {"INCOME_DROP"}
    assert {name: facts[name] for name in evidence["facts"]} == {
        "income_change": Decimal("-0.3"), "per_capita_income": Decimal("11200"), "line": Decimal("7500")}
    assert facts.parameters["INCOME_DROP"] == {"drop": Decimal("0.3"), "line_multiple": Decimal("1.5")}
    assert facts.window == (date(2023, 1, 1), date(2023, 12, 31)) == tuple(
        date.fromisoformat(d) for d in evidence["window"])


def test_rules_follow_their_parameters_and_active_flag(regions):
    h = household(VILLAGE_A1, wage="11200", prev_wage="16000")  # −30 %, below 1.5 × 7,500
    assert household_year_facts(h.pk, 2023, rules=["INCOME_DROP"]).holds == {"INCOME_DROP"}
    Rule.objects.filter(code="INCOME_DROP").update(parameters={"drop": 0.31, "line_multiple": 1.5})
    assert household_year_facts(h.pk, 2023, rules=["INCOME_DROP"]).holds == set()
    assert rule_parameters("INCOME_DROP") == {"drop": Decimal("0.31"), "line_multiple": Decimal("1.5")}
    Rule.objects.filter(code="INCOME_DROP").update(parameters={"drop": 0.3, "line_multiple": 1.49})
    assert household_year_facts(h.pk, 2023, rules=["INCOME_DROP"]).holds == set()  # 11,200 ≥ 1.49 × 7,500
    Rule.objects.filter(code="INCOME_DROP").update(parameters={"drop": 0.3, "line_multiple": 1.5},
                                                   active=False)
    assert household_year_facts(h.pk, 2023, rules=["INCOME_DROP"]).holds == set()
    assert rule_parameters("INCOME_DROP") is None


def test_the_line_to_judge_by_may_be_given(regions):
    h = household(VILLAGE_A1, wage="8000")
    assert household_year_facts(h.pk, 2023, rules=["INCOME_BELOW_LINE"]).holds == set()
    higher = MonitoringLine(year=2024, region_code="433122", amount=Decimal("8000.01"))
    facts = household_year_facts(h.pk, 2023, line=higher, rules=["INCOME_BELOW_LINE"])
    assert facts.holds == {"INCOME_BELOW_LINE"}
    assert facts["line"] == Decimal("8000.01") and facts.line is higher
    facts = household_year_facts(h.pk, 2023, line=None, names=["line"], rules=["INCOME_BELOW_LINE"])
    assert facts["line"] is None and facts.holds == set()  # no line: a rule on the line does not hold


def test_no_record_of_the_year_gives_nothing(regions):
    h = household(VILLAGE_A1, year=2023)
    assert household_year_facts(h.pk, 2024, rules=_all_rules()) is None
