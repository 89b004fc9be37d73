"""Scorecard computation as a background job: the county's button starts it, a worker runs it.

``start_scorecard`` checks who may compute and records a ``core.Job``; the task scores the
period and its previous period (two passes over every indicator, townships and villages) and
writes progress after each indicator, then stores the snapshot the pages read.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.tasks import task
from django.utils.translation import gettext as _

from shouwang.core.audit import acting_as
from shouwang.core.models import Job

from .indicators import INDICATORS
from .services import LEVEL_LENGTHS, compute_snapshot, may_manage, validate_period

JOB_KIND = "scorecard"


def start_scorecard(user, county: str, start: date, end: date) -> Job:
    """Record a scorecard job for the county and period and queue it."""
    if not may_manage(user, county):
        raise PermissionDenied(_("Only county officers and the county administrator compute scorecards."))
    validate_period(start, end)
    steps = 2 * len(LEVEL_LENGTHS) * len(INDICATORS) + 1  # two periods × two levels × indicators, then storing
    job = Job.objects.create(
        kind=JOB_KIND, user=user, total=steps,
        params={"county": county, "start": start.isoformat(), "end": end.isoformat()},
        message=_("Queued"),
    )
    run_scorecard_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


@task()
def run_scorecard_job(job_id: str) -> dict:
    job = Job.objects.get(pk=job_id)
    job.start()
    done = {"n": 0}

    def progress(code: str) -> None:
        done["n"] += 1
        job.set_progress(done["n"], message=str(INDICATORS[code].name_en))

    try:
        with acting_as(job.user, source=f"job {job.pk}"):
            snapshot = compute_snapshot(
                job.params["county"], date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"]),
                user=job.user, job=job, progress=progress,
            )
    except Exception as exc:
        job.fail(str(exc))
        raise
    result = {"snapshot": snapshot.pk, "rows": snapshot.rows.count(), "unavailable": snapshot.unavailable}
    job.succeed(_("Scorecard computed: %(n)d townships and villages") % {"n": result["rows"]}, result=result,
                progress=job.total)
    return result
