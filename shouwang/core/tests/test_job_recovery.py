"""Jobs whose worker died: found by their lease, failed with a message or queued again; files at rest."""

from __future__ import annotations

import datetime
import os
import sqlite3
import subprocess
import sys

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.tasks import task
from django.utils import timezone, translation

from shouwang.core import files, jobs
from shouwang.core.models import Job, JobLease

pytestmark = pytest.mark.django_db

CLEANED: list[str] = []
RAN: list[str] = []


@task()
def repeatable_task(job_id: str) -> dict:
    return jobs.run(job_id, lambda job: RAN.append(job_id) or jobs.Outcome("Done"))


@task()
def fragile_task(job_id: str) -> dict:
    return jobs.run(job_id, lambda job: jobs.Outcome("Done"))


jobs.declare_kind("test_repeatable", repeatable_task, idempotent=True)
jobs.declare_kind("test_fragile", fragile_task, cleanup=lambda job: CLEANED.append(str(job.pk)))


@pytest.fixture(autouse=True)
def clear_calls():
    CLEANED.clear()
    RAN.clear()


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def running(kind: str, holder: str | None, expires_in: float = 60, attempts: int = 1) -> Job:
    now = timezone.now()
    job = Job.objects.create(kind=kind, status=Job.Status.RUNNING, started_at=now, attempts=attempts)
    if holder is not None:
        JobLease.objects.create(job=job, holder=holder, expires_at=now + datetime.timedelta(seconds=expires_in))
    return job


def test_a_job_of_a_dead_process_on_this_host_is_failed_at_once_and_cleaned_up():
    job = running("test_fragile", jobs.holder_name(dead_pid()), expires_in=60)  # the lease has not run out
    assert [j.pk for j in jobs.recover_abandoned()] == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.message == jobs.WORKER_LOST
    with translation.override("en"):
        assert "nothing was committed" in job.display_message
    assert not JobLease.objects.filter(job=job).exists()
    assert [str(job.pk)] == CLEANED


def test_a_live_process_keeps_its_job_even_when_its_heartbeat_could_not_write():
    job = running("test_fragile", jobs.holder_name(), expires_in=-600)  # a long SQLite commit, say
    assert jobs.recover_abandoned() == []
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_another_hosts_job_is_judged_by_its_lease():
    fresh = running("test_fragile", "elsewhere|boot|123|456", expires_in=30)
    stale = running("test_fragile", "elsewhere|boot|124|456", expires_in=-1)
    assert [j.pk for j in jobs.recover_abandoned()] == [stale.pk]
    fresh.refresh_from_db()
    assert fresh.status == Job.Status.RUNNING


def test_a_running_job_without_a_lease_is_abandoned_once_a_lease_period_passed(settings):
    settings.SHOUWANG_JOB_LEASE_SECONDS = 30
    young = running("test_fragile", None)
    old = running("test_fragile", None)
    Job.objects.filter(pk=old.pk).update(started_at=timezone.now() - datetime.timedelta(seconds=31))
    assert [j.pk for j in jobs.recover_abandoned()] == [old.pk]
    young.refresh_from_db()
    assert young.status == Job.Status.RUNNING


def test_an_idempotent_kind_is_queued_again_and_runs_until_its_attempts_are_spent(
        django_capture_on_commit_callbacks):
    job = running("test_repeatable", jobs.holder_name(dead_pid()))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.recover_abandoned()
    job.refresh_from_db()
    assert [str(job.pk)] == RAN and job.status == Job.Status.SUCCEEDED and job.attempts == 2
    spent = running("test_repeatable", jobs.holder_name(dead_pid()), attempts=jobs.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.recover_abandoned()
    spent.refresh_from_db()
    assert spent.status == Job.Status.FAILED and spent.message == jobs.WORKER_LOST
    assert [str(job.pk)] == RAN


def test_the_task_result_of_a_dead_worker_is_marked_failed():
    from django_tasks_db.models import DBTaskResult

    job = running("test_fragile", jobs.holder_name(dead_pid()))
    result = DBTaskResult.objects.create(
        status="RUNNING", args_kwargs={"args": [str(job.pk)], "kwargs": {}}, task_path="x.y",
        backend_name="default", run_after=timezone.now(), exception_class_path="", traceback="")
    jobs.recover_abandoned()
    result.refresh_from_db()
    assert result.status == "FAILED"


def test_a_task_claimed_by_a_dead_worker_before_its_job_began_is_queued_again(django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    def claimed(job, worker):
        return DBTaskResult.objects.create(
            status="RUNNING", args_kwargs={"args": [str(job.pk)], "kwargs": {}}, worker_ids=[worker],
            task_path="shouwang.core.tests.test_job_recovery.repeatable_task", backend_name="default",
            run_after=timezone.now(), exception_class_path="", traceback="")

    never_began = Job.objects.create(kind="test_repeatable")
    dead, alive = claimed(never_began, "dead-worker"), claimed(Job.objects.create(kind="x"), "live-worker")
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recover_worker("dead-worker") == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    never_began.refresh_from_db()
    assert dead.status == "FAILED" and alive.status == "RUNNING"
    assert [str(never_began.pk)] == RAN and never_began.status == Job.Status.SUCCEEDED


def test_run_takes_the_lease_and_gives_it_back_and_counts_the_start():
    job = Job.objects.create(kind="test_fragile")
    fragile_task.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 1
    assert not JobLease.objects.exists()


def test_a_job_that_runs_or_ended_is_not_run_a_second_time():
    for state in (Job.Status.FAILED, Job.Status.SUCCEEDED, Job.Status.RUNNING):
        job = Job.objects.create(kind="test_repeatable", status=state)
        repeatable_task.call(str(job.pk))
    assert RAN == []


def test_the_scheduler_pass_recovers_abandoned_jobs():
    from shouwang.core import scheduling

    job = running("test_fragile", jobs.holder_name(dead_pid()))
    scheduling.loop(once=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


def test_every_declared_kind_is_known_to_a_process_that_never_imported_its_tasks():
    kinds = jobs.declared_kinds()
    assert not kinds["registry_import"].idempotent and kinds["registry_import"].cleanup is not None
    assert kinds["feed_import"].cleanup is not None and kinds["national_takeover"].cleanup is not None
    assert all(kinds[name].idempotent for name in ("overdue_warnings", "data_quality", "dashboard_refresh",
                                                   "file_sweep"))


# --- files at rest ------------------------------------------------------------------------------------


def mode(path) -> int:
    return os.stat(path).st_mode & 0o777


def test_private_files_and_folders_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        folder = files.private_dir(tmp_path / "a" / "b")
        with files.open_private(folder / "x.csv") as handle:
            handle.write(b"1")
        loose = folder / "y.xlsx"
        loose.write_bytes(b"old")
        os.chmod(loose, 0o644)
        files.make_private(loose)
    finally:
        os.umask(old)
    assert mode(folder) == 0o700 and mode(folder / "x.csv") == 0o600
    assert mode(loose) == 0o600 and loose.read_bytes() == b""


def test_uploads_are_stored_0600_and_swept_after_a_day(settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shouwang.registry.imports.tasks import store_upload

    settings.UPLOAD_ROOT = tmp_path / "uploads"
    stored = store_upload(SimpleUploadedFile("名单.csv", b"a,b\n"))
    path = settings.UPLOAD_ROOT / stored["path"]
    assert mode(path) == 0o600 and mode(settings.UPLOAD_ROOT) == 0o700
    fresh = settings.UPLOAD_ROOT / store_upload(SimpleUploadedFile("b.csv", b"a,b\n"))["path"]
    day_ago = timezone.now().timestamp() - 24 * 3600 - 60
    os.utime(path, (day_ago, day_ago))
    assert files.sweep_all()["uploads"] == 1
    assert not path.exists() and fresh.exists()


def test_the_periodic_sweep_is_a_job(settings, tmp_path):
    from shouwang.core.tasks import FILE_SWEEP_KIND, run_file_sweep

    settings.UPLOAD_ROOT = tmp_path / "uploads"
    job = Job.objects.create(kind=FILE_SWEEP_KIND)
    run_file_sweep.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["uploads"] == 0


def test_the_sqlite_database_and_its_wal_are_0600(tmp_path):
    from django.db import connection

    name = tmp_path / "db.sqlite3"
    old = os.umask(0o022)
    try:
        wrapper = DatabaseWrapper({**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3",
                                   "NAME": str(name), "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"}},
                                  alias="mode_test")
        wrapper.connect()
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x integer)")
            cursor.execute("INSERT INTO t VALUES (1)")
        assert (tmp_path / "db.sqlite3-wal").exists()
        other = sqlite3.connect(name)  # a later connection by another tool makes no wider file
        other.execute("SELECT * FROM t").fetchall()
        other.close()
    finally:
        os.umask(old)
    try:
        for suffix in ("", "-wal", "-shm"):
            path = tmp_path / f"db.sqlite3{suffix}"
            if path.exists():
                assert mode(path) == 0o600, suffix
    finally:
        wrapper.close()
