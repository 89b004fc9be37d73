"""A worker killed (SIGKILL) in the middle of an import's commit: the supervisor restarts it, the
job ends failed with a message for the user within seconds, nothing of the import is in the
database, the uploaded file is gone, and the database file is 0600.

A real supervisor (``manage.py run_worker``) and worker (``db_worker``) run on a SQLite file
copied from the test database; the worker pauses inside the import's transaction through the
test-only app in ``crash/`` (installed by ``crash/settings.py`` only), and the test kills it there.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.registry.imports.template import MEMBER_HEADERS
from shouwang.registry.imports.tests.registry_files import csv_bytes, household

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 2


def wait_for(condition, seconds: float, what: str):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def one(db: Path, sql: str, *params):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute(sql, params).fetchone()
    finally:
        con.close()


def queue_import(user, workdir: Path, settings) -> Job:
    """A committing registry import of two households, queued on the database task backend."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tasks_db.models import DBTaskResult

    from shouwang.registry.imports.tasks import KIND, store_upload

    settings.UPLOAD_ROOT = workdir / "var" / "uploads"
    rows = household("CRASH-0001", 1) + household("CRASH-0002", 10)
    stored = store_upload(SimpleUploadedFile("registry.csv", csv_bytes(MEMBER_HEADERS, rows)))
    job = Job.objects.create(kind=KIND, user=user, params={"files": [stored], "commit": True,
                                                            "allow_partial": False})
    DBTaskResult.objects.create(
        args_kwargs={"args": [str(job.pk)], "kwargs": {}},
        task_path="shouwang.registry.imports.tasks.run_registry_import",
        backend_name="default", queue_name="default", run_after=timezone.now() - timedelta(seconds=1),
        exception_class_path="", traceback="",
    )
    return job


def test_a_worker_killed_mid_commit_leaves_a_failed_job_and_nothing_else(personas, tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the crash test runs its worker on a SQLite file")
    job = queue_import(personas["erin"], tmp_path, settings)
    upload = settings.UPLOAD_ROOT / job.params["files"][0]["path"]
    assert upload.stat().st_mode & 0o777 == 0o600
    db = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(db)
    connection.connection.backup(target)  # the migrated test database, with the queued job
    target.close()

    marker = tmp_path / "in-commit.pid"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shouwang.core.tests.crash.settings",
           "SHOUWANG_VAR_DIR": str(tmp_path / "var"), "SHOUWANG_DB_NAME": str(db), "SHOUWANG_DB_ENGINE": "sqlite",
           "SHOUWANG_DEBUG": "0", "SHOUWANG_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
           "SHOUWANG_CRASH_MARKER": str(marker)}
    log = (tmp_path / "supervisor.log").open("w")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "django", "run_worker", "--backoff", "0.2", "--recover-every", "1",
         "--", "--interval", "0.2", "--no-startup-delay"],
        cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        worker_pid = int(wait_for(lambda: marker.exists() and marker.read_text(), 60, "the import's commit"))
        assert one(db, "SELECT status FROM core_job WHERE id = ?", job.pk.hex)[0] == "running"
        os.kill(worker_pid, signal.SIGKILL)
        killed_at = time.monotonic()

        status = wait_for(lambda: (row := one(db, "SELECT status, message FROM core_job WHERE id = ?",
                                               job.pk.hex)) and row[0] == "failed" and row, 30, "the failed job")
        assert time.monotonic() - killed_at < 60
        assert status[1] == jobs.WORKER_LOST
        assert one(db, "SELECT count(*) FROM registry_household")[0] == 0
        assert one(db, "SELECT count(*) FROM registry_member")[0] == 0
        assert one(db, "SELECT count(*) FROM core_joblease")[0] == 0
        assert not upload.exists()
        assert db.stat().st_mode & 0o777 == 0o600
        wait_for(lambda: (tmp_path / "supervisor.log").read_text().count("worker started: pid") >= 2, 20,
                 "the restarted worker")
        output = (tmp_path / "supervisor.log").read_text()
        assert f"worker pid {worker_pid} exited with -9" in output
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            code = supervisor.wait(timeout=20)
        except subprocess.TimeoutExpired:
            supervisor.kill()
            raise
        log.close()
    assert code == 0, (tmp_path / "supervisor.log").read_text()
