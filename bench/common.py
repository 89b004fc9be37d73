"""What the benchmark scripts share: the throwaway database, the memory and CPU readings, the report.

The scripts are run as ``python bench/X.py``, so their folder (this one) is first on ``sys.path``
and each imports these with ``from common import …``. Importing this module also puts the
repository root first on ``sys.path``, so ``shouwang`` imports from this checkout.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the database ---------------------------------------------------------------------------------


def argument_parser(description: str) -> argparse.ArgumentParser:
    """A parser showing ``description`` as written, with --households, --database and --seed."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=20240601)
    return parser


def configure(database: str, workdir: Path) -> None:
    """Set the environment for the benchmark database and run ``django.setup()``.

    SQLite: a file in ``workdir``; PostgreSQL: the SHOUWANG_DB_* variables, which must name a
    database the script may empty. Files go under ``workdir/var``; debug is off (no SQL kept per
    query) and the data and audit keys random, unless the environment already sets them.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "shouwang.settings"
    os.environ.setdefault("SHOUWANG_DEBUG", "0")  # as in production: no SQL kept per query
    os.environ["SHOUWANG_VAR_DIR"] = str(workdir / "var")
    os.environ.setdefault("SHOUWANG_DATA_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    os.environ.setdefault("SHOUWANG_AUDIT_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    os.environ["SHOUWANG_DB_ENGINE"] = database
    if database == "sqlite":
        os.environ["SHOUWANG_DB_NAME"] = str(workdir / "bench.sqlite3")
    import django

    django.setup()


def start_bench(database: str, prefix: str) -> Path:
    """A new temporary folder, ``configure`` on it, and the ``database:`` line; returns the folder."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    configure(database, workdir)
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    return workdir


def registry_models() -> tuple:
    """The registry and its logs, in an order their rows can be deleted in."""
    from shouwang.core.models import AccessLog, ChainHead, ChangeLog
    from shouwang.registry.models import Household, HouseholdYear, Member

    return (HouseholdYear, Member, Household, ChangeLog, AccessLog, ChainHead)


def monitoring_models() -> tuple:
    """Risk signals, warnings and feed signals, then ``registry_models()``: what the screening benchmark writes."""
    from shouwang.monitoring.models import FeedSignal, Signal, Warning

    return (Signal, Warning, FeedSignal, *registry_models())


def empty_tables(models: Iterable) -> None:
    """Delete every row of these models' tables, in the order given, in one transaction."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def prepare_database(database: str, *empty: Iterable) -> list[str]:
    """``migrate``; on PostgreSQL (a database that is reused) ``empty_tables`` of each group in
    ``empty``, in turn; the Luxi regions. Returns the village codes."""
    from django.core.management import call_command

    from shouwang.regions.loader import DEMO_FILE, load_divisions, read_divisions
    from shouwang.regions.models import Region

    call_command("migrate", verbosity=0)
    if database == "postgresql":
        for models in empty:
            empty_tables(models)
    load_divisions(read_divisions(DEMO_FILE))
    return list(Region.objects.filter(level="village").values_list("code", flat=True))


# --- synthetic data -------------------------------------------------------------------------------


def household_plan(rng: random.Random, households: int, villages: list[str], prefix: str) -> list[tuple]:
    """(number, village, size, type) of each synthetic household, villages in turn: a quarter of
    them single, the others 1 to 6 (about 2.7 members overall), 17 % ex-poor."""
    sizes = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6]
    plan = []
    for h in range(households):
        village = villages[h % len(villages)]
        size = 1 if rng.random() < 0.25 else rng.choice(sizes)
        plan.append((f"{prefix}{h:07d}", village, size, "ex_poor" if rng.random() < 0.17 else "ordinary"))
    return plan


# --- memory and CPU -------------------------------------------------------------------------------


def _status_mib(field: str) -> float | None:
    """A KiB field of ``/proc/self/status`` (``VmHWM``, ``VmRSS``) in MiB; None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def wait_for_checkpoint() -> float:
    """Seconds until the WAL checkpoint the commit left to a thread of its own (SQLite:
    ``core.bulk.checkpoint_afterwards``) is done, counted from the commit's return; 0 without one."""
    start = time.perf_counter()
    for thread in threading.enumerate():
        # core.bulk.CHECKPOINT_THREAD, written out: --compare runs checkouts that do not have it
        if thread.name == "shouwang-wal-checkpoint":
            thread.join()
            return time.perf_counter() - start
    return 0.0


def maxrss_mib() -> float:
    """Peak resident set since the process started (``ru_maxrss``); ``reset_peak_rss`` leaves it."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def peak_rss_mib() -> float:
    """Peak resident set since the last ``reset_peak_rss`` (Linux VmHWM), else since start."""
    peak = _status_mib("VmHWM")
    return maxrss_mib() if peak is None else peak


def rss_mib() -> float:
    """Resident set now (Linux VmRSS); 0 where it cannot be read."""
    rss = _status_mib("VmRSS")
    return 0.0 if rss is None else rss


def reset_peak_rss() -> bool:
    """Linux lets a process reset its own peak (``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def cpu_seconds() -> float:
    """User + system CPU time of this process: steadier than wall time on a shared machine."""
    times = os.times()
    return times.user + times.system


# --- the report -----------------------------------------------------------------------------------


def print_table(title: str, rows: list[tuple[str, str]], extra: int) -> None:
    """A blank line, the title, a rule ``extra`` characters wider than the labels, then the rows."""
    width = max(len(label) for label, _ in rows)
    print()
    print(title)
    print("-" * (width + extra))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


def finish(workdir: Path, keep: bool, blank_line: bool = True) -> None:
    """``--keep``: say where the folder is; otherwise close the connections and remove it."""
    if keep:
        print(("\n" if blank_line else "") + f"kept: {workdir}")
    else:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)
