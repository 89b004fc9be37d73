"""The data-quality run as a background job: the page's button starts it, a worker runs it.

``start_quality_run`` checks who may run the rules, records a ``core.Job`` and queues the task. The
task receives the ``core.Job`` id, as the screening job does; the service writes progress and the
outcome onto that job, so the page that watches it needs nothing else.
"""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.core.permissions import home_region, require

from .services import JOB_KIND, RULES

QUALITY_FAILED = gettext_noop("The data-quality run failed because of an internal error.")


def start_quality_run(user, year: int | None = None) -> Job:
    require(user, "supervision.run_quality")
    return jobs.start(JOB_KIND, run_quality_job, user=user,
                      params={"region": home_region(user), "year": year}, total=len(RULES) + 1)


@task()
def run_quality_job(job_id: str) -> dict:
    """Run the data-quality rules over the job's region and record the summary on the job.

    Retried once on a transient database error: a run replaces the region's findings in one
    transaction, so running it again is safe."""
    from .services import run_checks

    def work(job: Job) -> jobs.Outcome:
        run = run_checks(job.params.get("region") or "", job.params.get("year"), user=job.user, job=job,
                         progress=job.set_progress)
        total = sum(run.counts.values())
        summary = {"run": run.pk, "year": run.year, "findings": total, "counts": run.counts,
                   "notes": run.notes}
        return jobs.Outcome(gettext_noop("%(n)d findings"), {"n": total}, summary)

    return jobs.run(job_id, work, failure_message=QUALITY_FAILED, retries=1)


# Safe to repeat (it replaces what it wrote): a job whose worker died is queued again.
jobs.declare_kind(JOB_KIND, run_quality_job, idempotent=True)
