"""The simulation on a hand-made registry: exactly who enters and leaves, the cost, comparing, adopting,
and the equality with what screening flags once the scenario is adopted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import COUNTY, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.monitoring.models import Rule, RuleVersion, Signal, Warning
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household
from shouwang.revitalization.simulation.engine import Draft, SimulationError, changed_subjects, simulate
from shouwang.revitalization.simulation.models import ScenarioStatus
from shouwang.revitalization.simulation.services import adopt, compare, run_scenario, save_scenario

YEAR = 2023  # Hunan's line of 2023 (7,500 yuan, code "43") is shipped by the migrations

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(regions):
    """Per-capita incomes around the line: 7,500 (at the old line), 7,999.99 and 7,600 (between),
    8,000 (exactly at the new line), 7,000 (below both), 9,000 (above both)."""
    return {
        "below": household(VILLAGE_A1, members=1, wage="7000"),
        "at_old": household(VILLAGE_A1, members=2, wage="15000"),
        "between": household(VILLAGE_A2, members=3, wage="23999.97"),
        "between_b": household(VILLAGE_B1, members=1, wage="7600"),
        "at_new": household(VILLAGE_A1, members=2, wage="16000"),
        "above": household(VILLAGE_B1, members=4, wage="36000"),
    }


def _raise_line(amount="8000"):
    return {"lines": [{"region_code": COUNTY, "amount": amount}]}


def _flagged() -> set[int]:
    return set(Signal.objects.filter(year=YEAR).values_list("household_id", flat=True))


def _reset_screening() -> None:
    Signal.objects.all().delete()
    Warning.objects.all().delete()


def test_raising_the_line_brings_in_exactly_the_households_between_the_lines(registry):
    outcome = simulate(Draft.from_changes(YEAR, COUNTY, _raise_line()))
    monitoring = outcome.sections[0]
    # At 7,500 a household is not below the old line (< 7,500); at 8,000 it is not below the new one.
    assert monitoring.enter.as_dict() == {"households": 3, "people": 6}
    assert monitoring.leave.as_dict() == {"households": 0, "people": 0}
    assert monitoring.before.as_dict() == {"households": 1, "people": 1}
    assert monitoring.after.as_dict() == {"households": 4, "people": 7}
    assert monitoring.villages[VILLAGE_A1]["enter"].as_dict() == {"households": 1, "people": 2}
    assert monitoring.villages[VILLAGE_A2]["enter"].as_dict() == {"households": 1, "people": 3}
    assert monitoring.villages[VILLAGE_B1]["enter"].as_dict() == {"households": 1, "people": 1}
    rows, total = changed_subjects(Draft.from_changes(YEAR, COUNTY, _raise_line()), "monitoring", "enter")
    assert total == 3
    assert {row.household_id for row in rows} == {registry[k].pk for k in ("at_old", "between", "between_b")}
    rows, total = changed_subjects(Draft.from_changes(YEAR, COUNTY, _raise_line()), "monitoring", "enter",
                                   region=VILLAGE_A2)
    assert total == 1 and rows[0].household_id == registry["between"].pk and rows[0].people == 3
    # Nothing was written: no line, no signal.
    assert not MonitoringLine.objects.filter(region_code=COUNTY).exists()
    assert not Signal.objects.exists()


def test_a_lower_line_lets_households_leave(registry):
    outcome = simulate(Draft.from_changes(YEAR, COUNTY, _raise_line("7000")))
    assert outcome.sections[0].leave.as_dict() == {"households": 1, "people": 1}  # 7,000 is not < 7,000
    assert outcome.sections[0].enter.households == 0


def test_the_page_of_a_region_counts_only_that_region(registry):
    outcome = simulate(Draft.from_changes(YEAR, COUNTY, _raise_line()), region=VILLAGE_B1)
    assert outcome.sections[0].enter.as_dict() == {"households": 1, "people": 1}
    assert set(outcome.sections[0].villages) == {VILLAGE_B1}


def test_adopting_the_line_versions_it_and_screening_then_flags_what_the_simulation_said(registry, personas):
    admin = personas["frank"]
    screen(year=YEAR)
    before = _flagged()
    assert before == {registry["below"].pk}
    scenario = save_scenario(admin, name="+500", year=YEAR, changes=_raise_line())
    outcome = run_scenario(scenario, admin)
    adopt(scenario, admin)
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.ADOPTED and scenario.adopted_by == admin
    line = MonitoringLine.objects.get(year=YEAR, region_code=COUNTY)
    assert line.amount == Decimal("8000.00") and line.changed_by == admin
    _reset_screening()
    screen(year=YEAR)
    after = _flagged()
    monitoring = outcome.sections[0]
    assert len(after - before) == monitoring.enter.households == 3
    assert len(before - after) == monitoring.leave.households == 0
    assert len(after) == monitoring.after.households
    with pytest.raises(ValidationError):
        adopt(scenario, admin)


def test_a_rule_parameter_change_agrees_with_screening_after_adoption(regions, personas):
    admin = personas["frank"]
    # INCOME_DROP: income_change <= -drop and per_capita_income < line_multiple * line (7,500).
    enters = household(VILLAGE_A1, members=2, wage="17000", prev_wage="22000")  # -22.7 %, 8,500 per person
    leaves = household(VILLAGE_A2, members=1, wage="10000", prev_wage="20000")  # -50 %, 10,000 per person
    household(VILLAGE_B1, members=1, wage="12000", prev_wage="20000")  # -40 % but 12,000 ≥ 1.5 × line
    rule = Rule.objects.get(code="INCOME_DROP")
    changes = {"rules": [{"rule": rule.pk, "expression": rule.expression,
                          "parameters": {"drop": 0.2, "line_multiple": 1.2}}]}
    screen(year=YEAR)
    before = _flagged()
    assert before == {leaves.pk}
    scenario = save_scenario(admin, name="drop 20 %", year=YEAR, changes=changes)
    outcome = run_scenario(scenario, admin)
    monitoring = outcome.sections[0]
    assert monitoring.enter.as_dict() == {"households": 1, "people": 2}
    assert monitoring.leave.as_dict() == {"households": 1, "people": 1}
    version = rule.version
    adopt(scenario, admin)
    rule.refresh_from_db()
    assert rule.version == version + 1 and rule.parameters == {"drop": 0.2, "line_multiple": 1.2}
    assert RuleVersion.objects.filter(rule=rule, version=rule.version).exists()
    _reset_screening()
    screen(year=YEAR)
    after = _flagged()
    assert after - before == {enters.pk} and before - after == {leaves.pk}
    assert len(after) == monitoring.after.households


def test_compare_two_scenarios(registry, personas):
    officer = personas["erin"]
    first = save_scenario(officer, name="+500", year=YEAR, changes=_raise_line("8000"))
    second = save_scenario(officer, name="+1000", year=YEAR, changes=_raise_line("8500"))
    household(VILLAGE_A1, members=5, wage="41000")  # 8,200: only under the second
    rows = compare(first, second, officer)
    monitoring = rows[0]
    assert monitoring["first"]["enter"] == {"households": 3, "people": 6}
    assert monitoring["second"]["enter"] == {"households": 5, "people": 13}  # 8,000 and 8,200 too
    assert monitoring["difference"]["enter"] == {"households": 2, "people": 7}


def test_scope_and_permissions(registry, personas):
    with pytest.raises(PermissionDenied):
        save_scenario(personas["carol"], name="x", year=YEAR, changes=_raise_line())  # township officer
    with pytest.raises(SimulationError):
        save_scenario(personas["erin"], name="x", year=YEAR,
                      changes={"lines": [{"region_code": "433123", "amount": "8000"}]})  # another county
    with pytest.raises(SimulationError):
        save_scenario(personas["erin"], name="x", year=YEAR, changes={})
    scenario = save_scenario(personas["erin"], name="x", year=YEAR, changes=_raise_line())
    with pytest.raises(PermissionDenied):
        adopt(scenario, personas["erin"])  # a county officer drafts; the administrator adopts
    assert not MonitoringLine.objects.filter(region_code=COUNTY).exists()


def test_a_draft_rule_that_does_not_compile_is_refused(registry):
    rule = Rule.objects.get(code="INCOME_DROP")
    with pytest.raises(SimulationError) as error:
        simulate(Draft.from_changes(YEAR, COUNTY, {"rules": [{"rule": rule.pk, "expression": "income <",
                                                              "parameters": {}}]}))
    assert error.value.field == "rules"


# --- policies -------------------------------------------------------------------------------------


def _policy(code, expression, *, subject="household", amount="1000", parameters=None):
    from shouwang.revitalization.policies.models import Policy

    return Policy.objects.create(region_code=COUNTY, code=code, name_zh=code, department="民政局",
                                 expression=expression, parameters=parameters or {}, subject=subject,
                                 amount=Decimal(amount))


def test_raising_the_line_reaches_the_policies_that_name_it_and_costs_people_times_amount(registry):
    per_person = _policy("P_PERSON", "per_capita_income < line", subject="person", amount="200")
    per_household = _policy("P_HOUSEHOLD", "per_capita_income < line", amount="1500")
    _policy("P_OTHER", "members >= 4", amount="300")  # names no line: not part of the simulation
    outcome = simulate(Draft.from_changes(YEAR, COUNTY, _raise_line()))
    sections = {section.key: section for section in outcome.sections}
    assert set(sections) == {"monitoring", f"policy:{per_person.pk}", f"policy:{per_household.pk}"}
    person = sections[f"policy:{per_person.pk}"]
    assert person.enter.as_dict() == {"households": 3, "people": 6}
    assert person.before.people == 1 and person.after.people == 7
    assert person.cost("before") == Decimal("200") and person.cost("after") == Decimal("1400")  # 7 people × 200
    household_section = sections[f"policy:{per_household.pk}"]
    assert household_section.cost("after") == 4 * Decimal("1500")  # households × amount
    assert household_section.as_dict()["cost_change"] == "4500.00"


def test_a_policy_change_counts_its_entrants_and_adoption_versions_the_policy(registry, personas):
    policy = _policy("P_LOW", "per_capita_income < threshold", parameters={"threshold": 7600}, amount="1000")
    changes = {"policies": [{"policy": policy.pk, "parameters": {"threshold": 8000.01}, "amount": "1200"}]}
    outcome = simulate(Draft.from_changes(YEAR, COUNTY, changes))
    section = outcome.sections[1]
    # In force: 7,000 and 7,500 (< 7,600); under the draft also 7,600, 7,999.99 and 8,000.
    assert section.before.as_dict() == {"households": 2, "people": 3}
    assert section.enter.as_dict() == {"households": 3, "people": 6}
    assert section.cost("before") == Decimal("2000") and section.cost("after") == Decimal("6000")
    rows, total = changed_subjects(Draft.from_changes(YEAR, COUNTY, changes), f"policy:{policy.pk}", "enter")
    assert total == 3 and {r.household_id for r in rows} == {registry[k].pk for k in ("between", "between_b",
                                                                                        "at_new")}
    scenario = save_scenario(personas["frank"], name="P_LOW", year=YEAR, changes=changes)
    adopt(scenario, personas["frank"])
    policy.refresh_from_db()
    assert policy.parameters == {"threshold": 8000.01} and policy.amount == Decimal("1200.00")
    assert policy.versions.filter(version=policy.version).exists()
    # The adopted policy now counts as the draft did.
    from shouwang.revitalization.policies.eligibility import eligible

    assert eligible(policy, YEAR).count() == section.after.households


@pytest.mark.django_db(transaction=True)
def test_a_large_county_split_across_connections_counts_the_same(regions, settings):
    """Outside a transaction and over the threshold, the monitoring diff runs in parts (PostgreSQL or a
    SQLite file; an in-memory test database stays in one part): the counts are the same."""
    # A transactional test may follow another one whose flush took the shipped line and rules: both
    # made sure here (committed, so the other connection sees them).
    MonitoringLine.objects.get_or_create(year=YEAR, region_code="43", defaults={"amount": Decimal("7500.00")})
    Rule.objects.update(active=False)
    Rule.objects.update_or_create(code="T_BELOW_LINE", defaults={
        "name_zh": "测试", "name_en": "test", "expression": "per_capita_income < line", "active": True})
    for i, per_capita in enumerate(("7000", "7500", "7999.99", "7600", "8000", "9000")):
        members = 1 + i % 3
        household(VILLAGE_A1 if i % 2 else VILLAGE_B1, members=members, wage=str(Decimal(per_capita) * members))
    draft = Draft.from_changes(YEAR, COUNTY, _raise_line())
    settings.SHOUWANG_SCREENING_PARALLEL_ROWS = 10**9
    whole = simulate(draft).as_dict()
    settings.SHOUWANG_SCREENING_PARALLEL_ROWS = 1
    settings.SHOUWANG_SCREENING_WORKERS = 2
    split = simulate(draft).as_dict()
    assert split["sections"] == whole["sections"]
    assert whole["sections"][0]["enter"]["households"] == 3
