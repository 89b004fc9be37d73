"""The scheduler: due runs start once as jobs, the county's time moves the next run, two
schedulers never start the same run (on PostgreSQL: two connections racing on the claim)."""

from __future__ import annotations

import io
import threading
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.tasks import task
from django.utils import timezone

from shouwang.core import jobs, scheduling
from shouwang.core.models import ChangeLog, Job, ScheduledJob

RUNS: list[str] = []


def _tick(job: Job) -> jobs.Outcome:
    RUNS.append(str(job.pk))
    return jobs.Outcome("Done", result={"ok": True})


@task()
def tick_task(job_id: str) -> dict:
    return jobs.run(job_id, _tick)


@task()
def other_task(job_id: str) -> dict:
    return jobs.run(job_id, _tick)


@pytest.fixture
def registry(monkeypatch):
    """Only the test's periodic jobs are declared while it runs."""
    monkeypatch.setattr(scheduling, "_REGISTRY", {})
    RUNS.clear()
    scheduling.register_periodic("test_nightly", tick_task, label="Nightly test job", default_time="02:30")
    return scheduling


def local(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_the_apps_register_the_county_s_nightly_jobs():
    names = {spec.name for spec in scheduling.registered()}
    assert {"overdue_warnings", "dashboard_refresh", "data_quality", "scorecards"} <= names


def test_registration_checks_its_arguments(registry):
    with pytest.raises(ImproperlyConfigured):
        registry.register_periodic("test_nightly", other_task, label="x")  # the name is taken
    with pytest.raises(ImproperlyConfigured):
        registry.register_periodic("bad_time", tick_task, label="x", default_time="25h")
    with pytest.raises(ImproperlyConfigured):
        registry.register_periodic("bad_interval", tick_task, label="x", every_minutes=0)
    # ready() may run twice: the same task under the same name is accepted
    assert registry.register_periodic("test_nightly", tick_task, label="Nightly test job").name == "test_nightly"


def test_following_run_is_the_next_occurrence_of_the_time():
    row = ScheduledJob(name="x", time_of_day=time(2, 30))
    assert scheduling.following_run(row, local(2025, 5, 1, 1, 0)) == local(2025, 5, 1, 2, 30)
    assert scheduling.following_run(row, local(2025, 5, 1, 2, 30)) == local(2025, 5, 2, 2, 30)
    assert scheduling.following_run(row, local(2025, 5, 1, 23, 0)) == local(2025, 5, 2, 2, 30)
    every = ScheduledJob(name="y", every_minutes=15)
    assert scheduling.following_run(every, local(2025, 5, 1, 23, 0)) == local(2025, 5, 1, 23, 15)


@pytest.mark.django_db
def test_a_due_job_starts_once_as_a_job_and_moves_to_the_next_night(registry, django_capture_on_commit_callbacks):
    evening = local(2025, 5, 1, 20, 0)
    [row] = registry.sync(evening)
    assert row.next_run == local(2025, 5, 2, 2, 30)
    assert registry.run_due(evening) == []  # not yet due

    night = local(2025, 5, 2, 2, 31)
    with django_capture_on_commit_callbacks(execute=True):
        [job] = registry.run_due(night)
    job.refresh_from_db()
    assert job.kind == "test_nightly" and job.status == Job.Status.SUCCEEDED and job.user is None
    assert job.params == {"trigger": "schedule"} and [str(job.pk)] == RUNS
    row = ScheduledJob.objects.get(name="test_nightly")
    assert row.next_run == local(2025, 5, 3, 2, 30) and row.last_run_at == night and row.last_job_id == job.pk
    assert registry.run_due(night + timedelta(minutes=1)) == []  # the run is not started twice

    # a scheduler that was down for days starts one run, not one per missed night
    with django_capture_on_commit_callbacks(execute=True):
        assert len(registry.run_due(local(2025, 5, 9, 12, 0))) == 1
    assert ScheduledJob.objects.get(name="test_nightly").next_run == local(2025, 5, 10, 2, 30)


@pytest.mark.django_db
def test_a_stale_claim_loses(registry):
    [row] = registry.sync(local(2025, 5, 1, 20, 0))
    stale = ScheduledJob.objects.get(name=row.name)  # what a second scheduler read
    now = local(2025, 5, 2, 3, 0)
    assert registry.claim(row, now) is True
    assert registry.claim(stale, now) is False


@pytest.mark.django_db
def test_the_county_changes_the_time_pauses_and_runs_now(registry, personas, django_capture_on_commit_callbacks):
    registry.sync(local(2025, 5, 1, 20, 0))
    row = registry.change_schedule("test_nightly", personas["frank"], time_of_day=time(23, 15),
                                   now=local(2025, 5, 1, 21, 0))
    assert row.time_of_day == time(23, 15) and row.next_run == local(2025, 5, 1, 23, 15)
    entry = ChangeLog.objects.filter(object_type="core.scheduledjob").latest("id")
    assert entry.before["time_of_day"] == "02:30" and entry.after["time_of_day"] == "23:15"

    registry.change_schedule("test_nightly", personas["frank"], time_of_day=time(23, 15), enabled=False)
    assert registry.run_due(local(2099, 1, 1, 0, 0)) == []  # paused

    with django_capture_on_commit_callbacks(execute=True):
        job = registry.run_now("test_nightly", personas["frank"])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.user == personas["frank"]
    assert ScheduledJob.objects.get(name="test_nightly").last_job_id == job.pk


@pytest.mark.django_db
def test_run_scheduler_once_starts_what_is_due(registry, django_capture_on_commit_callbacks):
    registry.sync()
    ScheduledJob.objects.filter(name="test_nightly").update(next_run=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduler", "--once", stdout=io.StringIO())
    assert len(RUNS) == 1
    assert ScheduledJob.objects.get(name="test_nightly").next_run > timezone.now()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections racing need PostgreSQL")
def test_two_schedulers_on_postgresql_never_start_the_same_run(registry):
    """Both schedulers read the same due row; the first claims it and holds its transaction open
    while the second tries: the second waits for the row lock, then finds the run taken."""
    registry.sync()
    ScheduledJob.objects.filter(name="test_nightly").update(next_run=timezone.now() - timedelta(minutes=1))
    seen = ScheduledJob.objects.get(name="test_nightly")
    now = timezone.now()
    first_claimed = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = registry.claim(ScheduledJob.objects.get(name="test_nightly"), now)
                first_claimed.set()
                # keep the row locked a moment, so the second really races the open transaction
                threading.Event().wait(0.5)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_claimed.wait(5)
            with transaction.atomic():
                results["second"] = registry.claim(ScheduledJob(**{
                    f.attname: getattr(seen, f.attname) for f in ScheduledJob._meta.concrete_fields
                }), now)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == {"first": True, "second": False}

    # and through run_due itself: two schedulers at once start one job
    ScheduledJob.objects.filter(name="test_nightly").update(next_run=timezone.now() - timedelta(minutes=1))
    barrier = threading.Barrier(2)
    started: list[int] = []

    def scheduler() -> None:
        try:
            barrier.wait(5)
            started.append(len(registry.run_due()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(started) == [0, 1]
    assert Job.objects.filter(kind="test_nightly").count() == 1
