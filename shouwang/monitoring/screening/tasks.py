"""Screening as a background job: the county's button starts it, a worker runs it, the page watches.

``start_screening`` checks who may screen what and records a ``Job``; the task does the
work and writes progress and the summary onto that job.
"""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.core.permissions import home_region, require

from .permissions import SCREEN
from .services import screen

JOB_KIND = "screening"
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
        return jobs.Outcome(gettext_noop("%(n)d warnings created"), {"n": result.warnings_created}, summary)

    return jobs.run(job_id, work, failure_message=SCREENING_FAILED)
