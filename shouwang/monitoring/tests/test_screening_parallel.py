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

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


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
