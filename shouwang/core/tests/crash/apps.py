"""Pause a registry import inside its commit transaction, so that a test can kill the worker there.

Installed only by :mod:`shouwang.core.tests.crash.settings`. Right after the import has inserted
(or staged) households (inside its transaction, not committed yet), the worker writes its pid to the file
named by ``SHOUWANG_CRASH_MARKER`` and sleeps, holding the transaction open, until it is killed.
The hook sits on the database connection (``execute_wrapper``), not on a method of the importer,
so it holds however the importer is organised.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.apps import AppConfig

# households inserted: straight into their table, or staged for it (core.bulk.background_inserts, SQLite)
INSERTS = ('INSERT INTO "registry_household"', 'INSERT INTO temp."registry_household__staged_')


class CrashTestConfig(AppConfig):
    name = "shouwang.core.tests.crash"
    label = "crash_test"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        marker = os.environ.get("SHOUWANG_CRASH_MARKER")
        if not marker:
            return

        def pause_after_household_insert(execute: Any, sql: str, params: Any, many: bool, context: dict) -> Any:
            result = execute(sql, params, many, context)
            path = Path(marker)
            if (sql.startswith(INSERTS) and context["connection"].in_atomic_block
                    and not path.exists()):  # the first import only
                path.write_text(str(os.getpid()))
                time.sleep(120)
            return result

        def install(sender: Any, connection: Any, **kwargs: Any) -> None:
            connection.execute_wrappers.append(pause_after_household_insert)

        connection_created.connect(install, weak=False)
