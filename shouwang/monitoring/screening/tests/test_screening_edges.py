"""A hand-made registry of edge households: the default rule set fires exactly where predicted.

Year 2023, villages of 泸溪县 (Hunan), so the line is Hunan's 7,500 yuan; the feed window is
2023-01-01 … 2023-12-31. Every household is a single person earning 10,000 yuan with no
problem, except for the one thing its case changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import VILLAGE_A1
from shouwang.monitoring.models import FeedSignal, Rule, Signal, Warning
from shouwang.monitoring.rules.compiler import compile_expression
from shouwang.monitoring.rules.facts import FACTS, FactContext
from shouwang.monitoring.screening.engine import _json_value, base_queryset, evaluate
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household, signal
from shouwang.registry.models import Labour

K = FeedSignal.Kind
IN_WINDOW, BEFORE_WINDOW, AFTER_WINDOW = date(2023, 6, 30), date(2022, 12, 31), date(2024, 1, 1)


@dataclass
class Edge:
    name: str
    expected: set[str]
    fields: dict = field(default_factory=dict)
    signals: list[tuple[str, date, str | None]] = field(default_factory=list)


EDGES = [
    Edge("baseline", set()),
    # income below the line: strict
    Edge("pc_one_yuan_below_line", {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE"}, {"wage": "7499"}),
    Edge("pc_exactly_at_line", set(), {"wage": "7500"}),
    Edge("pc_one_fen_below_line", {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE"}, {"wage": "7499.99"}),
    Edge("two_members_pc_below_line", {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE"},
         {"members": 2, "wage": "14998"}),
    Edge("production_costs_count", {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE"},
         {"wage": "9000", "business_costs": "1501"}),
    # drop of 30 % or more and result below 1.5 × line (11,250)
    Edge("drop_exactly_30pct_result_below_1_5_line", {"INCOME_DROP"}, {"prev_wage": "16000", "wage": "11200"}),
    Edge("drop_29_99pct", set(), {"prev_wage": "16000", "wage": "11201.60"}),
    Edge("drop_large_result_exactly_1_5_line", set(), {"prev_wage": "20000", "wage": "11250"}),
    Edge("drop_large_result_one_fen_below_1_5_line", {"INCOME_DROP"}, {"prev_wage": "20000", "wage": "11249.99"}),
    Edge("no_previous_year_no_drop", set(), {"wage": "8000"}),
    Edge("previous_year_zero_income", set(), {"prev_wage": "0", "wage": "8000"}),
    # adjusted income: (net − compliant out-of-pocket) ÷ members below the line
    Edge("adjusted_one_fen_below_line", {"ADJUSTED_INCOME_BELOW_LINE"},
         {"wage": "8000", "compliant_out_of_pocket": "500.01"}),
    Edge("adjusted_exactly_at_line", set(), {"wage": "8000", "compliant_out_of_pocket": "500"}),
    Edge("adjusted_two_members", {"ADJUSTED_INCOME_BELOW_LINE"},
         {"members": 2, "wage": "16000", "compliant_out_of_pocket": "1000.02"}),
    Edge("adjusted_half_fen_rounds_to_line", set(),
         {"members": 2, "wage": "16000", "compliant_out_of_pocket": "1000.01"}),
    Edge("adjusted_one_and_a_half_fen_below_line", {"ADJUSTED_INCOME_BELOW_LINE"},
         {"members": 2, "wage": "16000", "compliant_out_of_pocket": "1000.03"}),
    Edge("adjusted_two_members_exactly_at_line", set(),
         {"members": 2, "wage": "16000", "compliant_out_of_pocket": "1000"}),
    # out-of-pocket medical: ≥ 5,000 ex-poor, ≥ 20,000 others, or > 50 % of net income
    Edge("ex_poor_medical_exactly_5000", {"MEDICAL_SPENDING"}, {"household_type": "ex_poor", "wage": "30000"},
         [(K.MEDICAL_OUT_OF_POCKET, IN_WINDOW, "5000")]),
    Edge("ex_poor_medical_5000_in_two_bills", {"MEDICAL_SPENDING"}, {"household_type": "ex_poor", "wage": "30000"},
         [(K.MEDICAL_OUT_OF_POCKET, date(2023, 1, 1), "3000"), (K.MEDICAL_OUT_OF_POCKET, date(2023, 12, 31), "2000")]),
    Edge("ex_poor_medical_4999_99", set(), {"household_type": "ex_poor", "wage": "30000"},
         [(K.MEDICAL_OUT_OF_POCKET, IN_WINDOW, "4999.99")]),
    Edge("ex_poor_medical_outside_window", set(), {"household_type": "ex_poor", "wage": "30000"},
         [(K.MEDICAL_OUT_OF_POCKET, BEFORE_WINDOW, "6000"), (K.MEDICAL_OUT_OF_POCKET, AFTER_WINDOW, "6000")]),
    Edge("ordinary_medical_5000_not_enough", set(), {"wage": "30000"}, [(K.MEDICAL_OUT_OF_POCKET, IN_WINDOW, "5000")]),
    Edge("ordinary_medical_exactly_20000", {"MEDICAL_SPENDING"}, {"wage": "50000"},
         [(K.MEDICAL_OUT_OF_POCKET, IN_WINDOW, "20000")]),
    Edge("ordinary_medical_19999_99", set(), {"wage": "50000"}, [(K.MEDICAL_OUT_OF_POCKET, IN_WINDOW, "19999.99")]),
    Edge("medical_over_half_net_income", {"MEDICAL_SPENDING"}, {"wage": "10000"},
         [(K.MEDICAL_OUT_OF_POCKET, IN_WINDOW, "5000.01")]),
    Edge("medical_exactly_half_net_income", set(), {"wage": "10000"}, [(K.MEDICAL_OUT_OF_POCKET, IN_WINDOW, "5000")]),
    # three guarantees and water
    Edge("dropout", {"DROPOUT"}, {"dropout": True}),
    Edge("housing_c", {"HOUSING_UNSAFE"}, {"housing_grade": "C"}),
    Edge("housing_d", {"HOUSING_UNSAFE"}, {"housing_grade": "D"}),
    Edge("housing_b", set(), {"housing_grade": "B"}),
    Edge("housing_a", set(), {"housing_grade": "A"}),
    Edge("water_not_secured", {"WATER_UNSAFE"}, {"water_secured": False}),
    Edge("uninsured_member", {"UNINSURED_MEMBER"}, {"uninsured_member": True}),
    # feed signals in the window
    Edge("new_dibao", {"NEW_DIBAO_TEKUN"}, {}, [(K.NEW_DIBAO, IN_WINDOW, None)]),
    Edge("new_tekun", {"NEW_DIBAO_TEKUN"}, {}, [(K.NEW_TEKUN, IN_WINDOW, None)]),
    Edge("new_dibao_last_year", set(), {}, [(K.NEW_DIBAO, BEFORE_WINDOW, None)]),
    Edge("temporary_assistance_is_not_dibao", set(), {}, [(K.TEMPORARY_ASSISTANCE, IN_WINDOW, "800")]),
    Edge("new_severe_disability", {"NEW_SEVERE_DISABILITY"}, {}, [(K.NEW_SEVERE_DISABILITY, IN_WINDOW, None)]),
    Edge("disaster_loss", {"DISASTER_LOSS"}, {}, [(K.DISASTER_LOSS, IN_WINDOW, "12000")]),
    Edge("disaster_loss_after_window", set(), {}, [(K.DISASTER_LOSS, AFTER_WINDOW, "12000")]),
    Edge("unemployment_alone_fires_nothing", set(), {}, [(K.UNEMPLOYMENT, IN_WINDOW, None)]),
    # whole household without labour and no safety net
    Edge("nobody_with_labour_no_safety_net", {"NO_LABOUR_NO_SAFETY_NET"},
         {"members": 2, "wage": "20000", "labour": [Labour.NONE, Labour.LOST]}),
    Edge("nobody_with_labour_but_dibao", set(),
         {"members": 2, "wage": "20000", "labour": [Labour.NONE, Labour.LOST], "dibao": True}),
    Edge("nobody_with_labour_but_tekun", set(), {"labour": [Labour.NONE], "tekun": True}),
    Edge("one_weak_labourer", set(), {"members": 2, "wage": "20000", "labour": [Labour.NONE, Labour.WEAK]}),
    Edge("flagged_no_labour_no_safety_net", {"NO_LABOUR_NO_SAFETY_NET"}, {"no_labour": True}),
    # several at once
    Edge("poor_dropout_in_dangerous_house", {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE", "DROPOUT",
                                             "HOUSING_UNSAFE"},
         {"wage": "6000", "dropout": True, "housing_grade": "D"}),
]


def _build(edge: Edge, village: str = VILLAGE_A1):
    h = household(village, number=edge.name, **edge.fields)
    for kind, on, amount in edge.signals:
        signal(h, kind, on, amount)
    return h


def _fired() -> dict[str, set[str]]:
    fired: dict[str, set[str]] = {}
    for number, code in Signal.objects.values_list("household__number", "rule__code"):
        fired.setdefault(number, set()).add(code)
    return fired


@pytest.mark.parametrize("edge", EDGES, ids=[e.name for e in EDGES])
def test_edge_household_fires_exactly_the_predicted_rules(regions, edge):
    _build(edge)
    result = screen(year=2023)
    assert _fired().get(edge.name, set()) == edge.expected
    assert result.households == 1
    assert result.signals_added == len(edge.expected)
    # However many rules fire, the household is one warning in its queue.
    assert result.warnings_created == Warning.objects.count() == (1 if edge.expected else 0)


def test_whole_edge_registry_in_one_run(regions):
    for edge in EDGES:
        _build(edge)
    result = screen(year=2023)
    expected = {e.name: e.expected for e in EDGES if e.expected}
    assert _fired() == expected
    assert result.households == len(EDGES)
    per_rule: dict[str, int] = {}
    for codes in expected.values():
        for code in codes:
            per_rule[code] = per_rule.get(code, 0) + 1
    assert {k: v for k, v in result.per_rule.items() if v} == per_rule
    assert set(result.per_rule) == set(Rule.objects.filter(active=True).values_list("code", flat=True))


def test_all_active_rules_are_evaluated_in_one_sql_query(regions):
    for edge in EDGES[:12]:
        _build(edge)
    compiled = {r.pk: compile_expression(r.expression, r.parameters) for r in Rule.objects.filter(active=True)}
    ctx = FactContext.for_year(2023)
    with CaptureQueriesContext(connection) as queries:
        hits = evaluate(compiled, ctx, base_queryset(2023))
    # PostgreSQL reads through a server-side cursor (DECLARE … CURSOR FOR SELECT …).
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("SELECT", "DECLARE"))]
    assert len(selects) == 1 and "registry_householdyear" in selects[0]
    assert {h.household_id for h in hits}


def test_evidence_keeps_rule_version_values_and_parameters(regions):
    _build(Edge("drop", set(), {"prev_wage": "16000", "wage": "11200"}))
    screen(year=2023)
    warning = Warning.objects.get()
    assert warning.signals.get().evidence == warning.evidence  # the warning repeats its first signal's
    assert warning.rule.code == "INCOME_DROP" and warning.rule_version == 1
    assert warning.evidence["facts"] == {"income_change": -0.3, "per_capita_income": 11200, "line": 7500}
    assert warning.evidence["parameters"] == {"drop": 0.3, "line_multiple": 1.5}
    assert warning.evidence["window"] == ["2023-01-01", "2023-12-31"]
    assert warning.region_code == VILLAGE_A1 and warning.year == 2023 and warning.channel == "rule"


def test_window_ends_on_the_screening_date(regions):
    h = _build(Edge("dibao_in_spring", set()))
    signal(h, K.NEW_DIBAO, date(2024, 3, 1))
    assert screen(year=2023).warnings_created == 0  # window 2023-01-01 … 2023-12-31
    result = screen(year=2023, on=date(2024, 6, 30))  # window 2023-07-01 … 2024-06-30
    assert result.window_start == date(2023, 7, 1)
    assert _fired() == {"dibao_in_spring": {"NEW_DIBAO_TEKUN"}}


def test_evidence_facts_are_written_alike_on_every_database(regions):
    # PostgreSQL builds the evidence inside the database (jsonb_build_object); SQLite in Python
    # (_json_value). Both must give what _json_value makes of the facts the rule query returns:
    # whole numbers as integers, fractions as floats, flags as booleans, text as text.
    for edge in EDGES:
        _build(edge)
    rules = {r.pk: r for r in Rule.objects.filter(active=True)}
    compiled = {pk: compile_expression(r.expression, r.parameters) for pk, r in rules.items()}
    hits = evaluate(compiled, FactContext.for_year(2023), base_queryset(2023))
    expected = {
        (hit.household_id, rules[rule_id].code): {name: _json_value(hit.facts[name], FACTS[name].type)
                                                  for name in compiled[rule_id].facts}
        for hit in hits for rule_id in hit.rules
    }
    screen(year=2023)
    written = {(w.household_id, w.rule.code): w.evidence["facts"] for w in Signal.objects.select_related("rule")}
    assert written == expected
    assert written and all(type(value) is type(expected[key][name]) for key, facts in written.items()
                           for name, value in facts.items())
    kinds = {type(value) for facts in written.values() for value in facts.values()}
    assert {int, float, bool, str} <= kinds  # each form is checked at least once


def test_household_ids_limit_the_run_to_those_households(regions, settings):
    poor = _build(Edge("poor_a", set(), {"wage": "6000"}))
    _build(Edge("poor_b", set(), {"wage": "6000"}))
    result = screen(year=2023, household_ids=[poor.pk])
    assert result.households == 1
    assert set(_fired()) == {"poor_a"}
    assert screen(year=2023, household_ids=[]).households == 0
    # Many ids travel as one parameter (a whole county's commit), with the same result.
    result = screen(year=2023, household_ids=[poor.pk, *range(10**9, 10**9 + 2000)])
    assert result.households == 1 and set(_fired()) == {"poor_a"}
