"""Rules are data: the default set ships, every change is validated and versioned."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import VILLAGE_A1
from shouwang.monitoring.models import Rule, RuleVersion, Warning
from shouwang.monitoring.rules.compiler import compile_expression
from shouwang.monitoring.rules.services import save_rule
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household

DEFAULT_CODES = {
    "INCOME_BELOW_LINE", "INCOME_DROP", "ADJUSTED_INCOME_BELOW_LINE", "MEDICAL_SPENDING", "DROPOUT", "HOUSING_UNSAFE",
    "WATER_UNSAFE", "UNINSURED_MEMBER", "NEW_DIBAO_TEKUN", "NEW_SEVERE_DISABILITY", "DISASTER_LOSS",
    "NO_LABOUR_NO_SAFETY_NET",
}


def test_default_rule_set_ships_compiled_named_and_versioned(db):
    rules = list(Rule.objects.all())
    assert {r.code for r in rules} == DEFAULT_CODES
    for rule in rules:
        compile_expression(rule.expression, rule.parameters)
        assert rule.name_zh and rule.name_en and rule.active and rule.version == 1
        assert rule.versions.get().expression == rule.expression
    medical = Rule.objects.get(code="MEDICAL_SPENDING")
    assert medical.parameters == {"ex_poor_amount": 5000, "other_amount": 20000, "income_share": 0.5}
    assert medical.risk_type == "YB"


def test_saving_a_change_bumps_the_version_and_keeps_a_copy(personas):
    rule = Rule.objects.get(code="INCOME_DROP")
    rule.parameters = {"drop": 0.25, "line_multiple": 1.5}
    save_rule(rule, personas["frank"])
    rule.refresh_from_db()
    assert rule.version == 2
    versions = list(RuleVersion.objects.filter(rule=rule).order_by("version"))
    assert [(v.version, v.parameters["drop"]) for v in versions] == [(1, 0.3), (2, 0.25)]
    assert versions[1].changed_by == personas["frank"]


def test_saving_without_a_change_keeps_the_version(personas):
    rule = Rule.objects.get(code="DROPOUT")
    save_rule(rule, personas["frank"])
    assert Rule.objects.get(code="DROPOUT").version == 1 and rule.versions.count() == 1


def test_an_invalid_rule_is_refused_and_nothing_changes(personas):
    rule = Rule.objects.get(code="DROPOUT")
    rule.expression = "dropout or open('/etc/passwd')"
    with pytest.raises(ValidationError) as info:
        save_rule(rule, personas["frank"])
    assert "Column 12" in info.value.message_dict["expression"][0]
    rule = Rule.objects.get(code="INCOME_DROP")
    rule.parameters = {"drop": "thirty"}
    with pytest.raises(ValidationError) as info:
        save_rule(rule, personas["frank"])
    assert "parameters" in info.value.message_dict
    assert RuleVersion.objects.count() == len(DEFAULT_CODES)
    assert Rule.objects.get(code="DROPOUT").expression == "dropout"


def test_new_rule_starts_at_version_one(personas):
    rule = save_rule(Rule(code="SMALL_HOUSEHOLD_POOR", name_zh="小户低收入", name_en="Small and poor",
                          expression="members == 1 and per_capita_income < cap", parameters={"cap": 9000}),
                     personas["frank"])
    assert rule.version == 1 and rule.versions.count() == 1
    with pytest.raises(ValidationError):
        save_rule(Rule(code="bad code", name_zh="x", name_en="x", expression="dropout"), personas["frank"])


def test_only_the_administrator_changes_rules(personas):
    rule = Rule.objects.get(code="DROPOUT")
    rule.active = False
    for name in ("alice", "carol", "erin", "grace", "heidi", "ivan"):
        with pytest.raises(PermissionDenied):
            save_rule(rule, personas[name])
    assert Rule.objects.get(code="DROPOUT").active


def test_screening_uses_the_changed_threshold_and_cites_the_new_version(personas):
    household(VILLAGE_A1, number="drop_25pct", prev_wage="14000", wage="10500")
    assert screen(year=2023).warnings_created == 0
    rule = Rule.objects.get(code="INCOME_DROP")
    rule.parameters = {"drop": 0.25, "line_multiple": 1.5}
    save_rule(rule, personas["frank"])
    assert screen(year=2023).warnings_created == 1
    warning = Warning.objects.get()
    assert warning.rule_version == 2 and warning.evidence["parameters"]["drop"] == 0.25


def test_inactive_rules_do_not_run(personas):
    household(VILLAGE_A1, dropout=True)
    rule = Rule.objects.get(code="DROPOUT")
    rule.active = False
    save_rule(rule, personas["frank"])
    result = screen(year=2023)
    assert result.warnings_created == 0 and "DROPOUT" not in result.per_rule
