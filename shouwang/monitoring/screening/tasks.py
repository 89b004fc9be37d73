"""Screening as a background job: the county's button starts it, a worker runs it, the page watches.

``start_screening`` checks who may screen what and records a ``Job``; the task does the
work and writes progress and the summary onto that job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.core.permissions import home_region, require

from .permissions import SCREEN
from .services import screen

logger = logging.getLogger(__name__)

JOB_KIND = "screening"
# Screening of the households a registry import or a feed commit changed, started by itself.
CHANGED_KIND = "screening_changed"
SCREENING_FAILED = gettext_noop("Screening failed because of an internal error.")


def start_screening(user, year: int | None = None, region: str = "") -> Job:
    """Record a screening job for ``user``'s region (or a part of it) and queue it."""
    if not region:
        region = home_region(user) or ""
    require(user, SCREEN.name, region)
    return jobs.start(JOB_KIND, run_screening_job, user=user, params={"year": year, "region": region},
                      total=3)


@task()
def run_screening_job(job_id: str) -> dict:
    """Screen the job's year and region as its user. Not retried: screening is idempotent, but a
    database error half-way is for a person to look at, and the button starts it again."""

    def work(job: Job) -> jobs.Outcome:
        result = screen(year=job.params.get("year"), region=job.params.get("region") or "",
                        progress=job.set_progress)
        summary = result.summary() | {"year": result.year, "region": result.region, "notes": result.notes}
        return jobs.Outcome(gettext_noop("%(n)d households newly warned"), {"n": result.warnings_created}, summary)

    return jobs.run(job_id, work, failure_message=SCREENING_FAILED)


def on_households_changed(sender: Any = None, household_ids: Iterable[int] = (), year: int | None = None,
                          user: Any = None, **kwargs: Any) -> None:
    """Receiver of ``core.signals.households_changed`` (sent once a registry import or a feed
    commit has committed): screen those households in a job of their own, so no one has to find
    the screening page. A failure to queue it must never fail the commit that triggered it."""
    ids = sorted({int(pk) for pk in household_ids or ()})
    if not ids:
        return
    try:
        jobs.start(CHANGED_KIND, run_changed_screening_job, user=user if getattr(user, "pk", None) else None,
                   params={"household_ids": ids, "year": year, "trigger": str(getattr(sender, "__name__", ""))},
                   total=3)
    except Exception:  # the commit stands; the nightly and manual screenings still cover them
        logger.exception("Could not queue the screening of %d changed households", len(ids))


@task()
def run_changed_screening_job(job_id: str) -> dict:
    """Screen the households a commit changed, in the latest year on record (an import of an
    earlier year's incomes does not raise warnings for that past year)."""

    def work(job: Job) -> jobs.Outcome:
        ids = job.params.get("household_ids") or []
        result = screen(year=None, household_ids=ids, progress=job.set_progress)
        summary = result.summary() | {"year": result.year, "changed_households": len(ids), "notes": result.notes}
        return jobs.Outcome(gettext_noop("%(n)d households newly warned"), {"n": result.warnings_created}, summary)

    return jobs.run(job_id, work, failure_message=SCREENING_FAILED)


# Screening is idempotent (it recounts its households' warnings): a job whose worker died is queued again.
jobs.declare_kind(JOB_KIND, run_screening_job, idempotent=True)
jobs.declare_kind(CHANGED_KIND, run_changed_screening_job, idempotent=True)
