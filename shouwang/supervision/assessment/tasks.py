"""Scorecard computation as a background job: the county's button starts it, a worker runs it.

``start_scorecard`` checks who may compute and records a ``core.Job``; the task scores the
period and its previous period (two passes over every indicator, townships and villages) and
writes progress after each indicator, then stores the snapshot the pages read.
"""

from __future__ import annotations

from datetime import date

from django.tasks import task
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.core.permissions import require
from shouwang.regions.models import Region

from .indicators import INDICATORS
from .services import LEVEL_LENGTHS, compute_snapshot, period_choices, validate_period

JOB_KIND = "scorecard"
SCORECARD_FAILED = gettext_noop("The scorecard computation failed because of an internal error.")


def start_scorecard(user, county: str, start: date, end: date) -> Job:
    """Record a scorecard job for the county and period and queue it."""
    require(user, "supervision.manage_assessment", county or None,
            message=_("Only county officers and the county administrator compute scorecards."))
    validate_period(start, end)
    # Two periods × two levels × the indicators, then storing.
    steps = 2 * len(LEVEL_LENGTHS) * len(INDICATORS) + 1
    return jobs.start(JOB_KIND, run_scorecard_job, user=user, total=steps,
                      params={"county": county, "start": start.isoformat(), "end": end.isoformat()})


@task()
def run_scorecard_job(job_id: str) -> dict:
    """Score the job's county and period. Retried once on a transient database error: storing
    replaces the period's snapshot in one transaction, so computing it again is safe."""

    def work(job: Job) -> jobs.Outcome:
        done = {"n": 0}

        def progress(code: str) -> None:
            done["n"] += 1
            job.set_progress(done["n"], message=str(INDICATORS[code].name_en))

        params = job.params
        snapshot = compute_snapshot(
            params["county"], date.fromisoformat(params["start"]), date.fromisoformat(params["end"]),
            user=job.user, job=job, progress=progress,
        )
        result = {"snapshot": snapshot.pk, "rows": snapshot.rows.count(), "unavailable": snapshot.unavailable}
        return jobs.Outcome(gettext_noop("Scorecard computed: %(n)d townships and villages"),
                            {"n": result["rows"]}, result)

    return jobs.run(job_id, work, failure_message=SCORECARD_FAILED, retries=1)


SCHEDULED_KIND = "scorecards"


@task()
def run_scheduled_scorecards(job_id: str) -> dict:
    """The scheduler's nightly run: this month's scorecard of every county, so the pages show
    figures that are at most a day old without anyone pressing the button. Retried once, as a
    computation replaces its period's snapshot in one transaction."""

    def work(job: Job) -> jobs.Outcome:
        month = next(choice for choice in period_choices() if choice.key == "this_month")
        counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code")
                        .values_list("code", flat=True))
        per_county = 2 * len(LEVEL_LENGTHS) * len(INDICATORS)
        job.set_progress(0, per_county * len(counties) + 1)
        done = {"n": 0}

        def progress(code: str) -> None:
            done["n"] += 1
            job.set_progress(done["n"])

        snapshots = {}
        for county in counties:
            snapshot = compute_snapshot(county, month.start, month.end, user=job.user, job=job, progress=progress)
            snapshots[county] = snapshot.pk
        return jobs.Outcome(gettext_noop("Scorecards computed for %(n)d counties"), {"n": len(snapshots)},
                            {"snapshots": snapshots, "start": month.start.isoformat(), "end": month.end.isoformat()})

    return jobs.run(job_id, work, failure_message=SCORECARD_FAILED, retries=1)


# Safe to repeat (it replaces what it wrote): a job whose worker died is queued again.
jobs.declare_kind(JOB_KIND, run_scorecard_job, idempotent=True)
jobs.declare_kind(SCHEDULED_KIND, run_scheduled_scorecards, idempotent=True)
