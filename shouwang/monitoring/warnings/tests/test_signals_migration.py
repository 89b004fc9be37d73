"""The migration to signals: each warning becomes its signals, and a household's open warnings one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.monitoring.tests.factories import household

BEFORE = [("monitoring", "0010_line_carry_forward")]
AFTER = [("monitoring", "0011_signals")]


@pytest.mark.django_db(transaction=True)
def test_each_warning_becomes_signals_and_a_households_open_warnings_become_one(regions):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Warning, Rule = old.get_model("monitoring", "Warning"), old.get_model("monitoring", "Rule")
        # Made here: a transactional test may find the shipped rules flushed by an earlier one.
        rules = {code: Rule.objects.get_or_create(code=code, defaults={"name_zh": code, "name_en": code,
                                                                        "expression": "dropout"})[0]
                 for code in ("DROPOUT", "HOUSING_UNSAFE", "WATER_UNSAFE")}
        two = household(VILLAGE_A1, number="two-open")
        visited = household(VILLAGE_A2, number="visited")

        def warning(h, status="new", rule=None, **fields):
            return Warning.objects.create(household_id=h.pk, region_code=h.region_code, year=2023, status=status,
                                          rule=rule, channel="rule" if rule else "visit", **fields)

        oldest = warning(two, rule=rules["DROPOUT"], evidence={"rule": "DROPOUT"})
        newer = warning(two, "verifying", rule=rules["HOUSING_UNSAFE"], evidence={"rule": "HOUSING_UNSAFE"})
        warning(two, "dismissed", rule=rules["WATER_UNSAFE"], closing_note="Tap water since May.")
        warning(visited, evidence={"channel": "visit", "visits": [{"visit": 1}, {"visit": 2}]})

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Warning, Signal = new.get_model("monitoring", "Warning"), new.get_model("monitoring", "Signal")
        assert list(Warning.objects.filter(status__in=["new", "verifying"]).values_list("pk", flat=True).order_by(
            "pk")) == [oldest.pk, Warning.objects.get(household_id=visited.pk).pk]
        merged = Warning.objects.get(pk=newer.pk)
        assert merged.status == "dismissed" and merged.closing_note == f"Merged into warning {oldest.pk}"
        on_oldest = Signal.objects.filter(warning_id=oldest.pk, open=True)
        assert sorted(on_oldest.values_list("rule__code", flat=True)) == ["DROPOUT", "HOUSING_UNSAFE"]
        dismissed = Signal.objects.get(rule__code="WATER_UNSAFE")
        assert not dismissed.open and dismissed.dismissal_reason == "Tap water since May."
        # A visit warning that gathered two visits: one signal per visit.
        assert [s.evidence["visits"] for s in Signal.objects.filter(household_id=visited.pk).order_by("id")] == [
            [{"visit": 1}], [{"visit": 2}]]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
