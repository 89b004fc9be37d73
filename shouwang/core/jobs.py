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
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import OperationalError, transaction
from django.utils.translation import gettext_noop

from .audit import acting_as
from .models import Job
from .permissions import can

logger = logging.getLogger(__name__)

INTERNAL_ERROR = gettext_noop("The job failed because of an internal error.")


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
    job.start(start_message)
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
