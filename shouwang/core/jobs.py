"""The one way to run long work: a ``Job`` row the user watches, a task queued after commit.

Every background job (imports, screening, exports, dashboards, data quality, scorecards) goes
through two calls:

* :func:`start` records the job and queues its task **after the surrounding transaction
  commits** (a worker never looks for a job that is not there yet, and a rolled-back request
  queues nothing);
* :func:`run`, called by the task with the job's id, marks it running, does the work as the
  job's user (so the change log names them), and ends it in a visible state whatever happens.
  The work reports progress with ``job.set_progress`` and returns an :class:`Outcome`.

A failure shows the user a translated sentence (``failure_message``); the traceback goes to the
server log and to ``Job.error``, which only administrators see on the job's page. Every job page
shows the job through one partial, ``core/_job_progress.html`` (its ``job_error`` tag asks
:func:`error_visible_to`). Work that is
safe to repeat (it recounts or replaces what it wrote) may ask for ``retries`` on a transient
database error (a locked SQLite file, a serialisation failure on PostgreSQL).

**Crashes.** A running job holds a lease (:class:`~shouwang.core.models.JobLease`): the process
running it names itself (host, boot, process id and start time) and a heartbeat thread renews the
lease every third of ``SHOUWANG_JOB_LEASE_SECONDS``. :func:`recover_abandoned` (run by the worker
supervisor, ``manage.py run_worker``, when it starts a worker and every half minute, and by the
scheduler on each pass) finds running jobs whose process is known dead (same host) or whose lease
ran out, and ends them: a kind declared ``idempotent`` (:func:`declare_kind`) is queued again (at
most ``MAX_ATTEMPTS`` starts in all), every other job is failed with :data:`WORKER_LOST` (true: the
work's writes are one transaction, which the database rolled back), and the kind's ``cleanup``
(deleting its uploaded files) runs. On one host a process known alive keeps its job even when the
heartbeat could not write (a SQLite commit holds the only write lock for its duration).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from .audit import acting_as
from .models import Job, JobLease
from .permissions import can

logger = logging.getLogger(__name__)

INTERNAL_ERROR = gettext_noop("The job failed because of an internal error.")
WORKER_LOST = gettext_noop("The worker stopped while this job ran; nothing was committed. Start it again.")
REQUEUED = gettext_noop("Queued again: the worker stopped while this job ran.")
MAX_ATTEMPTS = 3  # starts of an idempotent job in all, the first included


@dataclass
class Outcome:
    """What finished work reports: a message (a msgid, translated when read) and the result."""

    message: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    result: Any = None


class JobFailed(Exception):  # an outcome the user reads, not a programming error
    """Raised by work that ends in a failure the user should read (a msgid with its params)."""

    def __init__(self, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params = params or {}


def start(
    kind: str, task: Any, *, user: Any = None, params: dict[str, Any] | None = None, total: int = 0,
    message: str = gettext_noop("Queued"), now: bool = False,
) -> Job:
    """Record a job and queue ``task`` with its id once the surrounding transaction commits.

    ``now`` runs the task here and at once instead, for work small enough for the request to wait
    for (a short export): the same task, so the same checks and the same ending. The job returned
    is then already finished.
    """
    job = Job.objects.create(kind=kind, user=user, params=params or {}, total=total, message=message)
    if now:
        task.call(str(job.pk))
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: task.enqueue(str(job.pk)))
    return job


def error_visible_to(user: Any) -> bool:
    """Whether ``user`` may read a failed job's traceback: administrators (the declared
    ``job_errors`` action) and superusers; everybody else reads the translated sentence only."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or can(user, "job_errors")


def run(
    job_id: str, work: Callable[[Job], Outcome], *, failure_message: str = INTERNAL_ERROR, retries: int = 0,
    cleanup: Callable[[Job], None] | None = None, start_message: str = "",
) -> dict[str, Any]:
    """Run ``work`` for the job, ending it succeeded or failed; returns a small summary."""
    job = Job.objects.select_related("user").get(pk=job_id)
    if job.status != Job.Status.QUEUED:  # a second delivery of its task: it runs or ran already
        logger.warning("job %s (%s) is %s already; not run again", job.pk, job.kind, job.status)
        return {"status": job.status}
    job.start(start_message)
    heartbeat = _Heartbeat.begin(job)
    try:
        outcome = _attempt(job, work, retries)
    except JobFailed as exc:
        job.fail(exc.message, params=exc.params)
        return {"status": job.status}
    except Exception:  # the job must end in a visible state; the trace is for the log and administrators
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.fail(failure_message, error=traceback.format_exc())
        return {"status": job.status}
    finally:
        heartbeat.end()
        if cleanup is not None:
            cleanup(job)
    job.refresh_from_db(fields=["progress", "total"])
    done = job.total or 1
    job.succeed(outcome.message, params=outcome.params, result=outcome.result, progress=done, total=done)
    return {"status": job.status}


def _attempt(job: Job, work: Callable[[Job], Outcome], retries: int) -> Outcome:
    for attempt in range(retries + 1):
        try:
            with acting_as(job.user, source=f"job {job.pk}"):
                return work(job)
        except OperationalError:
            if attempt == retries:
                raise
            logger.warning("job %s (%s): transient database error, retrying", job.pk, job.kind)
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


# --- kinds, leases, heartbeats and abandoned jobs ---------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What recovery needs to know of a job kind: its task, whether running it again is safe,
    and what to delete when a job of the kind is abandoned."""

    name: str
    task: Any
    idempotent: bool = False
    cleanup: Callable[[Job], None] | None = None


_KINDS: dict[str, Kind] = {}
_discovered = False


def declare_kind(name: str, task: Any, *, idempotent: bool = False,
                 cleanup: Callable[[Job], None] | None = None) -> Kind:
    """Declare a job kind (in the module defining its task). ``idempotent``: the work recounts or
    replaces what it wrote, so a job whose worker died is queued again instead of failed;
    ``cleanup(job)`` deletes what an abandoned job leaves (its uploaded files)."""
    kind = Kind(name, task, idempotent, cleanup)
    _KINDS[name] = kind
    return kind


def declared_kinds() -> dict[str, Kind]:
    """Every declared kind; the ``tasks`` modules of the project's parts are imported first (by
    name, as ``permissions.autodiscover`` does), so a process that never imported one (the
    scheduler, the supervisor) still knows its kinds."""
    global _discovered
    if not _discovered:
        import importlib.util
        import pkgutil

        from django.apps import apps

        for config in apps.get_app_configs():
            if not config.name.startswith("shouwang."):
                continue
            names = [f"{config.name}.tasks"] + [
                f"{config.name}.{info.name}.tasks" for info in pkgutil.iter_modules([config.path]) if info.ispkg]
            for name in names:
                if importlib.util.find_spec(name) is not None:
                    importlib.import_module(name)
        _discovered = True
    return dict(_KINDS)


def lease_seconds() -> int:
    return max(1, int(settings.SHOUWANG_JOB_LEASE_SECONDS))


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()[:36]
    except OSError:
        return "-"


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None where unknown; with the
    pid it names one process (a pid is reused, a pid and a start time are not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read()
    except FileNotFoundError:
        return ""  # no such process
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def holder_name(pid: int | None = None) -> str:
    """This process as a lease holder: ``host|boot id|pid|start ticks``."""
    pid = os.getpid() if pid is None else pid
    return "|".join([socket.gethostname()[:100], _boot_id(), str(pid), _start_ticks(pid) or "-"])


def holder_alive(holder: str) -> bool | None:
    """Whether the process named by ``holder`` still runs: True or False on this host, None for a
    process on another host (only its lease tells)."""
    try:
        host, boot, pid_text, ticks = holder.split("|")
        pid = int(pid_text)
    except ValueError:
        return None
    if host != socket.gethostname()[:100]:
        return None
    if boot != _boot_id():
        return False  # the host restarted since
    found = _start_ticks(pid)
    if found == "":
        return False
    if found is not None and ticks != "-":
        return found == ticks
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Heartbeat:
    """The lease of one running job, renewed by a daemon thread until :meth:`end`."""

    def __init__(self, job: Job, thread: bool) -> None:
        self.job_id = job.pk
        self.holder = holder_name()
        self.seconds = lease_seconds()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        JobLease.objects.update_or_create(job_id=job.pk, defaults={
            "holder": self.holder, "expires_at": timezone.now() + timedelta(seconds=self.seconds)})
        if thread:
            self._thread = threading.Thread(target=self._beat, name=f"job-heartbeat-{job.pk}", daemon=True)
            self._thread.start()

    @classmethod
    def begin(cls, job: Job) -> _Heartbeat:
        """Take the job's lease. The thread runs where another connection can see the lease: not
        inside a caller's transaction (a request's, a test's), not on an in-memory database."""
        in_memory = connection.vendor == "sqlite" and bool(getattr(connection, "is_in_memory_db", bool)())
        return cls(job, thread=not connection.in_atomic_block and not in_memory)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(max(0.2, self.seconds / 3)):
                try:
                    renewed = JobLease.objects.filter(job_id=self.job_id, holder=self.holder).update(
                        expires_at=timezone.now() + timedelta(seconds=self.seconds))
                except DatabaseError:  # a SQLite commit holds the write lock: the next beat tries again
                    logger.info("job %s: the lease could not be renewed this time", self.job_id)
                    continue
                if not renewed:
                    logger.warning("job %s: its lease was taken away (the job was recovered as abandoned)",
                                   self.job_id)
                    return
        finally:
            connections.close_all()  # this thread's connections

    def end(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        try:
            JobLease.objects.filter(job_id=self.job_id, holder=self.holder).delete()
        except DatabaseError:
            logger.warning("job %s: its lease could not be released", self.job_id)


def _abandoned(job: Job, now: datetime) -> bool:
    lease = JobLease.objects.filter(job_id=job.pk).first()
    if lease is None:  # running without a lease: its process died before taking one, or never took one
        return job.started_at is None or job.started_at < now - timedelta(seconds=lease_seconds())
    alive = holder_alive(lease.holder)
    if alive is not None:
        return not alive
    return lease.expires_at < now


def recover_abandoned(now: datetime | None = None) -> list[Job]:
    """End every running job whose worker died (see the module docstring); returns those jobs.

    Each job is ended in a transaction of its own that checks it is still running; a kind's
    cleanup and a new queueing happen after that commits.
    """
    now = now or timezone.now()
    kinds = declared_kinds()
    recovered = []
    for job in Job.objects.filter(status=Job.Status.RUNNING).order_by("started_at"):
        if not _abandoned(job, now):
            continue
        kind = kinds.get(job.kind)
        with transaction.atomic():
            if not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(status=Job.Status.QUEUED):
                continue  # it ended meanwhile
            JobLease.objects.filter(job_id=job.pk).delete()
            _fail_task_results(job, now)
            if kind is not None and kind.idempotent and job.attempts < MAX_ATTEMPTS:
                job._update({"status": Job.Status.QUEUED, "started_at": None, "progress": 0,
                             "message": REQUEUED, "message_params": {}})
                transaction.on_commit(partial(_enqueue, kind.task, str(job.pk)))
                logger.warning("job %s (%s): its worker stopped; queued again", job.pk, job.kind)
            else:
                job.fail(WORKER_LOST)
                logger.warning("job %s (%s): its worker stopped; failed", job.pk, job.kind)
        if kind is not None and kind.cleanup is not None:
            try:
                kind.cleanup(job)
            except Exception:
                logger.exception("job %s: the cleanup after its worker stopped failed", job.pk)
        recovered.append(job)
    return recovered


def _enqueue(task: Any, job_id: str) -> None:
    task.enqueue(job_id)


def recover_worker(worker_id: str, now: datetime | None = None) -> int:
    """The task worker ``worker_id`` is known dead (its supervisor saw it exit): the task results
    it claimed and never finished are marked failed, and a job whose task it claimed but had not
    started yet (still queued: nothing of it ran) is queued again. Returns the results ended.
    (A job it had started is :func:`recover_abandoned`'s, by its lease.)"""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another task backend
        return 0
    now = now or timezone.now()
    ended = 0
    for result in DBTaskResult.objects.filter(status="RUNNING"):
        if worker_id not in (result.worker_ids or []):
            continue
        args = (result.args_kwargs or {}).get("args") or []
        with transaction.atomic():
            if not DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                    status="FAILED", finished_at=now, exception_class_path="shouwang.core.jobs.WorkerLost",
                    traceback="The worker process stopped while it ran this task."):
                continue
            ended += 1
            job_id = str(args[0]) if args else ""
            try:
                uuid.UUID(job_id)
            except ValueError:
                continue
            if Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).exists():
                transaction.on_commit(partial(_enqueue, import_string(result.task_path), job_id))
                logger.warning("job %s: its worker stopped before it began; queued again", job_id)
    return ended


def _fail_task_results(job: Job, now: datetime) -> None:
    """The task-queue rows that ran the job and died with their worker: marked failed, so the
    queue's own pages and pruning see them ended."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another task backend
        return
    DBTaskResult.objects.filter(status="RUNNING", args_kwargs__args__0=str(job.pk)).update(
        status="FAILED", finished_at=now, exception_class_path="shouwang.core.jobs.WorkerLost",
        traceback="The worker process stopped while it ran this task.",
    )
