"""A large export on the embedded database (a SQLite file in WAL mode) while its progress page polls.

The export's connection holds a read open while it iterates its rows; the page's requests write
(the session is saved on every request). If the export wrote its progress on its own reading
connection, SQLite would refuse that write at once ("database is locked": the read snapshot
cannot become a write after another connection wrote), whatever the busy timeout. Progress goes
through a connection of its own (``core.models.write_progress``), so the export succeeds.

The test suite's database is in memory; this test copies it into a file and points the
``default`` alias at that file for its duration, so two threads have two real connections.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from conftest import COUNTY, VILLAGE_A1
from shouwang.core.bulk import insert_rows
from shouwang.core.models import Job
from shouwang.registry.models import Household
from shouwang.supervision.exports import services as exports

ROWS = 20_000

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded database is SQLite")


@pytest.fixture
def sqlite_file(transactional_db, tmp_path):
    """The ``default`` alias on a SQLite file (a copy of the migrated test database) while the
    test runs; every thread opens its own connection to it."""
    connection.ensure_connection()
    path = tmp_path / "shouwang.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    original_settings = connections.settings["default"]
    original = connections["default"]
    connections.settings["default"] = {**original_settings, "NAME": str(path), "TEST": {"NAME": str(path)}}
    connections["default"] = connections.create_connection("default")
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"  # the setting's init_command
        yield path
    finally:
        connections["default"].close()
        connections.settings["default"] = original_settings
        connections["default"] = original


@pytest.fixture
def export_root(settings, tmp_path):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"
    return settings.SHOUWANG_EXPORT_ROOT


def test_an_export_of_20000_rows_succeeds_while_its_progress_page_polls(sqlite_file, export_root):
    from conftest import _user
    from shouwang.regions.loader import DEMO_FILE, load_divisions, read_divisions

    load_divisions(read_divisions(DEMO_FILE))
    officer = _user("erin", "county", COUNTY)
    insert_rows(Household, ["number", "village", "region_code", "household_type", "address"],
                ((f"A1-{n:06d}", VILLAGE_A1, VILLAGE_A1, "ordinary", "") for n in range(ROWS)))

    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    pages: list[int] = []
    failures: list[BaseException] = []

    def poll() -> None:
        """The progress page, open in a browser: each request reads the job and saves the session."""
        try:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(officer)
            while not stop.is_set():
                job = Job.objects.filter(kind=exports.JOB_KIND).order_by("-created_at").first()
                if job is None:
                    client.get("/supervision/exports/")
                    continue
                seen.append((job.progress, job.total))
                pages.append(client.get(f"/supervision/exports/{job.pk}/").status_code)
        except BaseException as exc:  # reported by the test below, not lost in the thread
            failures.append(exc)
        finally:
            connections.close_all()

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        job = exports.start_export(officer, "households", {}, fmt="csv")  # queued: the worker runs it here
    finally:
        stop.set()
        poller.join(60)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, (job.message, job.error)
    assert job.result["rows"] == ROWS and job.params["background"] is True
    assert not failures, failures
    assert pages and set(pages) == {200}
    # the page saw the export move: progress written while it ran, not only at the end
    assert any(0 < progress < ROWS for progress, _total in seen), seen[-5:]
    lines = exports.export_path(job).read_bytes().decode("utf-8-sig").splitlines()
    assert len(lines) == ROWS + 1
