"""A large run is evaluated on two connections at once; it must raise exactly what one does.

The split only happens outside a transaction (and, on SQLite, on a database file), so it cannot
run inside the test database, where each test is a transaction. The screening benchmark sets up
exactly that (SQLite: a file in a temporary folder; PostgreSQL: the server's own database, which
the test pass does not use: tests run in test_… copies) and checks every (household, rule) pair
against an independent Python implementation of the rules: here it runs small, split forced on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from conftest import VILLAGE_A1

ROOT = Path(__file__).resolve().parents[4]


def test_two_connections_raise_the_same_warnings_as_the_python_rules():
    env = os.environ | {"SHOUWANG_SCREENING_PARALLEL_ROWS": "100", "SHOUWANG_SCREENING_WORKERS": "2"}
    database = connection.vendor  # the bench uses SHOUWANG_DB_* for PostgreSQL, a temporary file for SQLite
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "screening.py"), "--households", "1500", "--database", database],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = {line.split("  ")[0].strip(): line for line in done.stdout.splitlines()}
    assert lines["connections evaluating the rules"].split()[-1] == "2"
    assert lines["same (household, rule) pairs"].split()[-1] == "yes", done.stdout[-3000:]


# --- PostgreSQL: parts written on their own connections commit together or not at all -----------

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                      reason="the parts write on their own connections only on PostgreSQL")


def _two_part_registry():
    from shouwang.monitoring.models import Rule
    from shouwang.monitoring.tests.factories import household
    from shouwang.regions.loader import DEMO_FILE, load_divisions, read_divisions

    load_divisions(read_divisions(DEMO_FILE))
    # Committed (a transactional test), so the other connections see it; whatever the data
    # migration's rules, one rule that fires for every household makes the count certain.
    Rule.objects.update(active=False)
    Rule.objects.create(code="T_EVERY_HOUSEHOLD", name_zh="测试", name_en="test", expression="members >= 1")
    return [household(VILLAGE_A1, number=f"P{i}") for i in range(6)]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_parts_on_two_connections_write_every_warning(settings, monkeypatch):
    from shouwang.monitoring.models import Warning
    from shouwang.monitoring.screening import services as screening

    households = _two_part_registry()
    settings.SHOUWANG_SCREENING_PARALLEL_ROWS = 1
    settings.SHOUWANG_SCREENING_WORKERS = 2
    parts = []
    real = screening._insert_part
    monkeypatch.setattr(screening, "_insert_part", lambda *args: parts.append(args[2].households) or real(*args))
    result = screening.screen(year=2023)
    assert len(parts) == 2 and all(parts)
    assert result.signals_added == result.warnings_created == len(households) == Warning.objects.count()
    again = screening.screen(year=2023)
    assert again.signals_added == again.warnings_created == 0 and again.signals_unchanged == len(households)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_failing_part_leaves_no_warning_from_the_other(settings, monkeypatch):
    from shouwang.monitoring.models import Signal, Warning
    from shouwang.monitoring.screening import services as screening

    households = _two_part_registry()
    settings.SHOUWANG_SCREENING_PARALLEL_ROWS = 1
    settings.SHOUWANG_SCREENING_WORKERS = 2
    real = screening._insert_part
    written = []

    def second_part_fails(*args):
        counts = real(*args)  # this part has written its warnings in its own transaction
        written.append(sum(counts[1].values()))
        if args[2].households[0] > households[0].pk:
            raise RuntimeError("part failed")
        return counts

    monkeypatch.setattr(screening, "_insert_part", second_part_fails)
    with pytest.raises(RuntimeError, match="part failed"):
        screening.screen(year=2023)
    assert len(written) == 2 and all(written)  # both parts had written before one failed
    assert not Warning.objects.exists()
    assert not Signal.objects.exists()


# --- Warning.rule has no database constraint: a run locks its rules, the ORM protects them ---------

@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_run_keeps_its_rules_from_being_deleted_until_it_commits():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import OperationalError, connections, transaction

    from shouwang.monitoring.models import Rule
    from shouwang.monitoring.screening import services as screening

    rule = Rule.objects.create(code="T_LOCKED", name_zh="测试", name_en="test", expression="members >= 1")
    _rules, compiled = screening.compile_active_rules()
    gone = max(compiled) + 1000  # a rule deleted since the run compiled its rules

    def from_another_connection() -> tuple[str, str]:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
                try:
                    cursor.execute("DELETE FROM monitoring_rule WHERE id = %s", [rule.pk])
                    deleted = "deleted"
                except OperationalError as error:
                    deleted = type(error.__cause__).__name__
                # Editing a rule is not held up: the lock is the one a foreign key takes (KEY SHARE).
                cursor.execute("UPDATE monitoring_rule SET name_en = 'edited' WHERE id = %s", [rule.pk])
                return deleted, "edited"
        finally:
            connections.close_all()

    with transaction.atomic():
        kept = screening._lock_rules({**compiled, gone: compiled[rule.pk]})
        assert rule.pk in kept and gone not in kept and len(kept) == len(compiled)
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(from_another_connection).result() == ("LockNotAvailable", "edited")
    assert Rule.objects.get(pk=rule.pk).name_en == "edited"


def test_a_rule_with_warnings_cannot_be_deleted(regions):
    from django.db.models import ProtectedError

    from shouwang.monitoring.models import Rule, Warning
    from shouwang.monitoring.tests.factories import household

    rule = Rule.objects.create(code="T_PROTECTED", name_zh="测试", name_en="test", expression="members >= 1")
    Warning.objects.create(household=household(VILLAGE_A1, number="P1"), rule=rule, rule_version=1, year=2023)
    with pytest.raises(ProtectedError):
        rule.delete()
    assert Rule.objects.filter(pk=rule.pk).exists()
