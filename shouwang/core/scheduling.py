"""Periodic jobs that run by themselves: the nightly work of a county, at times the county sets.

Each part declares its periodic jobs when Django starts (``apps.py`` ``ready()``)::

    register_periodic("data_quality", run_quality_job, label=_("Data quality checks"), default_time="03:00")
    register_periodic("feed_sweep", run_sweep_job, label=_("…"), every_minutes=30)

``task`` is a background task that takes a ``core.Job`` id and does its work through
:func:`shouwang.core.jobs.run`, as every job does, so a scheduled run shows its progress, its
result and its failure like a run started from a page. ``name`` is also the job's kind.

The scheduler (:func:`run_due`, looped by ``manage.py run_scheduler``) starts what is due. The
claim on a run is the row's ``next_run``: one conditional UPDATE
(``… SET next_run=<following> WHERE name=<name> AND next_run=<seen>``) moves it forward before the
job is started, in the same transaction. Two schedulers (or a scheduler and a second host) that
saw the same due row race on that UPDATE; on PostgreSQL the second waits for the first's row lock,
then finds ``next_run`` changed and updates nothing; on SQLite the write lock serialises them the
same way. So a run is started once, or (if its process dies between the claim and the start) not
at all, never twice. A scheduler that was down does not replay missed nights: the next run is
always the next occurrence after now.

Hand-written rather than a library: django-tasks (the task backend used here) has no periodic
tasks, and the scheduler libraries for it are young; what is needed (a time per job that a county
administrator changes on a page, runs that are ``core.Job`` rows, one claim per run) is this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import jobs
from .audit import Change, record_changes
from .models import Job, ScheduledJob

logger = logging.getLogger(__name__)

# How often the scheduler looks for due jobs (seconds): the precision of the set times.
POLL_SECONDS = 30
MAX_EVERY_MINUTES = 7 * 24 * 60
NAME_LENGTH = 50  # ScheduledJob.name and Job.kind


@dataclass(frozen=True)
class Periodic:
    """One declared periodic job: its task, its label and its default schedule."""

    name: str
    task: Any
    label: Any  # a lazily translated name for the schedule page
    default_time: time | None
    every_minutes: int | None


_REGISTRY: dict[str, Periodic] = {}


def parse_time(value: str | time) -> time:
    """``"02:00"`` (or a ``time``) as a time of day; a malformed value is a programming error."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
        return time(hours, minutes)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{value!r} is not a time of day like '02:00'.") from None


def register_periodic(
    name: str, task: Any, *, label: Any, default_time: str | time = "02:00", every_minutes: int | None = None,
) -> Periodic:
    """Declare a periodic job: daily at ``default_time`` (local time, changed by the county on the
    schedule page), or every ``every_minutes`` minutes when that is given.

    ``task`` is a django task taking a ``core.Job`` id (it runs its work with ``jobs.run``).
    Registering the same name again with the same task is allowed (``ready()`` may run twice in
    tests); with another task it is a programming error.
    """
    if len(name) > NAME_LENGTH:
        raise ImproperlyConfigured(f"The periodic job name {name!r} is too long.")
    if every_minutes is not None and not 1 <= int(every_minutes) <= MAX_EVERY_MINUTES:
        raise ImproperlyConfigured(f"every_minutes of {name!r} must be between 1 and {MAX_EVERY_MINUTES}.")
    periodic = Periodic(name=name, task=task, label=label,
                        default_time=None if every_minutes is not None else parse_time(default_time),
                        every_minutes=int(every_minutes) if every_minutes is not None else None)
    known = _REGISTRY.get(name)
    if known is not None and known.task is not task:
        raise ImproperlyConfigured(f"The periodic job {name!r} is registered twice.")
    _REGISTRY[name] = periodic
    return periodic


def registered() -> list[Periodic]:
    """Every declared periodic job, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def periodic(name: str) -> Periodic:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ImproperlyConfigured(f"No periodic job is registered as {name!r}.") from None


# --- times ----------------------------------------------------------------------------------------


def following_run(row: ScheduledJob, after: datetime) -> datetime:
    """The first run of ``row``'s schedule strictly after ``after`` (an aware datetime)."""
    if row.every_minutes:
        return after + timedelta(minutes=row.every_minutes)
    at = row.time_of_day or time(2, 0)
    local = timezone.localtime(after)
    candidate = timezone.make_aware(datetime.combine(local.date(), at))
    if candidate <= after:
        candidate = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), at))
    return candidate


def sync(now: datetime | None = None) -> list[ScheduledJob]:
    """A row for every declared job (created with its default schedule); returns them by name."""
    now = now or timezone.now()
    rows = {row.name: row for row in ScheduledJob.objects.filter(name__in=list(_REGISTRY))}
    for spec in registered():
        if spec.name in rows:
            continue
        row = ScheduledJob(name=spec.name, time_of_day=spec.default_time, every_minutes=spec.every_minutes)
        row.next_run = following_run(row, now)
        ScheduledJob.objects.bulk_create([row], ignore_conflicts=True)  # another scheduler may be first
        rows[spec.name] = ScheduledJob.objects.get(name=spec.name)
    return [rows[name] for name in sorted(rows)]


# --- running ----------------------------------------------------------------------------------------


def claim(row: ScheduledJob, now: datetime) -> bool:
    """Move the row's next run forward if nobody else did since it was read; True when this caller
    won the run (see the module docstring: the conditional UPDATE is the claim)."""
    following = following_run(row, now)
    claimed = ScheduledJob.objects.filter(name=row.name, next_run=row.next_run).update(
        next_run=following, last_run_at=now,
    )
    if claimed:
        row.next_run, row.last_run_at = following, now
    return bool(claimed)


def _start(spec: Periodic, *, user: Any = None, trigger: str) -> Job:
    job = jobs.start(spec.name, spec.task, user=user, params={"trigger": trigger},
                     message=gettext_noop("Queued"))
    ScheduledJob.objects.filter(name=spec.name).update(last_job=job)
    return job


def run_due(now: datetime | None = None) -> list[Job]:
    """Start every enabled job whose next run has come; returns the jobs this call started.

    Each claim and its job row are one transaction: the job is queued after it commits (by
    ``jobs.start``), so a worker never looks for a job that is not there, and a lost claim starts
    nothing.
    """
    now = now or timezone.now()
    started = []
    for row in sync(now):
        if not row.enabled or row.next_run is None or row.next_run > now:
            continue
        with transaction.atomic():
            if not claim(row, now):
                continue
            job = _start(_REGISTRY[row.name], trigger="schedule")
        started.append(job)
        logger.info("scheduled job %s started as %s", row.name, job.pk)
    return started


def run_now(name: str, user: Any) -> Job:
    """Start the job at once for ``user`` (the page's "run now"); its schedule is unchanged."""
    spec = periodic(name)
    sync()
    with transaction.atomic():
        ScheduledJob.objects.filter(name=name).update(last_run_at=timezone.now())
        return _start(spec, user=user, trigger="manual")


def change_schedule(name: str, user: Any, *, time_of_day: time | None = None, every_minutes: int | None = None,
                    enabled: bool = True, now: datetime | None = None) -> ScheduledJob:
    """Set a job's time of day (or interval for an interval job) and whether it runs; the next
    run moves to the new schedule's next occurrence. The change is in the change log."""
    spec = periodic(name)
    now = now or timezone.now()
    sync(now)
    with transaction.atomic():
        row = ScheduledJob.objects.select_for_update().get(name=name)
        before = _snapshot(row)
        if spec.every_minutes is not None:
            if every_minutes is None or not 1 <= every_minutes <= MAX_EVERY_MINUTES:
                raise ValueError(gettext_noop("Give the interval in minutes."))
            row.every_minutes, row.time_of_day = every_minutes, None
        else:
            if time_of_day is None:
                raise ValueError(gettext_noop("Give the time of day."))
            row.time_of_day, row.every_minutes = parse_time(time_of_day), None
        row.enabled = enabled
        row.next_run = following_run(row, now)
        row.save(update_fields=["time_of_day", "every_minutes", "enabled", "next_run", "updated_at"])
        record_changes([Change(action="update", object_type="core.scheduledjob", object_id=name,
                               object_repr=name, before=before, after=_snapshot(row))])
    return row


def _snapshot(row: ScheduledJob) -> dict[str, Any]:
    return {"time_of_day": row.time_of_day.strftime("%H:%M") if row.time_of_day else None,
            "every_minutes": row.every_minutes, "enabled": row.enabled}


# --- the page's view of a job -------------------------------------------------------------------


@dataclass
class ScheduleLine:
    """What the schedule page shows of one job."""

    spec: Periodic
    row: ScheduledJob
    job: Job | None

    @property
    def duration(self) -> timedelta | None:
        job = self.job
        if job is None or job.started_at is None or job.finished_at is None:
            return None
        return job.finished_at - job.started_at

    @property
    def duration_seconds(self) -> float | None:
        duration = self.duration
        return None if duration is None else duration.total_seconds()


def schedule_lines() -> list[ScheduleLine]:
    rows = sync()
    jobs_by_id = Job.objects.in_bulk([row.last_job_id for row in rows if row.last_job_id])
    return [ScheduleLine(_REGISTRY[row.name], row, jobs_by_id.get(row.last_job_id)) for row in rows]


def loop(*, once: bool = False, poll: float = POLL_SECONDS) -> None:
    """The scheduler: recover the jobs whose worker died, start what is due, wait ``poll`` seconds,
    again (``once``: a single pass).

    A database error (a locked SQLite file, a lost connection) is logged and the next pass tries
    again: the scheduler must outlive a bad minute.
    """
    import time as clock

    from django.db import OperationalError, close_old_connections, connection

    while True:
        if not connection.in_atomic_block:  # (a caller's transaction, e.g. a test's, is left alone)
            close_old_connections()
        try:
            jobs.recover_abandoned()  # jobs whose worker died: failed, or queued again (core.jobs)
        except OperationalError:
            logger.exception("the scheduler could not look for abandoned jobs; trying again")
        try:
            run_due()
        except OperationalError:
            logger.exception("the scheduler could not read or claim its jobs; trying again")
        if once:
            return
        clock.sleep(poll)
