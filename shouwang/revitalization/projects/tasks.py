"""The nightly roll-over: unfunded projects of past years move into the current year's library."""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job

JOB_KIND = "revitalization_project_roll_over"
ROLL_OVER_FAILED = gettext_noop("The roll-over of unfunded projects failed because of an internal error.")


@task()
def run_roll_over_job(job_id: str) -> dict:
    """Roll every county's unfunded projects of past years over (idempotent: a project rolls once)."""
    from .services import roll_over_past_years

    def work(job: Job) -> jobs.Outcome:
        rolled = roll_over_past_years()
        return jobs.Outcome(gettext_noop("%(n)d projects rolled over"), {"n": rolled}, {"rolled": rolled})

    return jobs.run(job_id, work, failure_message=ROLL_OVER_FAILED, retries=1)


jobs.declare_kind(JOB_KIND, run_roll_over_job, idempotent=True)
