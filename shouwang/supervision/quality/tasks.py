"""The data-quality run as a background job: the page's button starts it, a worker runs it.

``start_quality_run`` checks who may run the rules, records a ``core.Job`` and queues the task. The
task receives the ``core.Job`` id, as the screening job does; the service writes progress and the
outcome onto that job, so the page that watches it needs nothing else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.tasks import task
from django.utils.translation import gettext as _

from shouwang.core.models import Job

from .services import JOB_KIND, RULES, may_run


def start_quality_run(user, year: int | None = None) -> Job:
    if not may_run(user):
        raise PermissionDenied(_("Only county and township officers may run the data-quality checks."))
    job = Job.objects.create(kind=JOB_KIND, user=user, params={"region": user.scope_prefix, "year": year},
                             total=len(RULES) + 1)
    run_quality_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


@task()
def run_quality_job(job_id: str) -> dict:
    """Run the data-quality rules over the job's region and record the summary on the job."""
    from shouwang.core.audit import acting_as

    from .services import run_checks

    job = Job.objects.get(pk=job_id)
    job.start()
    try:
        with acting_as(job.user, source=f"job {job.pk}"):
            run = run_checks(job.params.get("region") or "", job.params.get("year"), user=job.user, job=job,
                             progress=job.set_progress)
    except Exception as exc:
        job.fail(str(exc))
        raise
    total = sum(run.counts.values())
    summary = {"run": run.pk, "year": run.year, "findings": total, "counts": run.counts, "notes": run.notes}
    job.succeed(_("%(n)d findings") % {"n": total}, result=summary, progress=job.total)
    return summary
