"""Background jobs of the supervision operations: exports and the data-quality run.

Each task receives a ``core.Job`` id, as the screening job does; the service writes progress
and the outcome onto that job, so the page that watches it needs nothing else.
"""

from __future__ import annotations

from django.tasks import task

from shouwang.core.models import Job


@task()
def run_export_job(job_id: str) -> dict:
    from .exports import execute_export

    job = Job.objects.get(pk=job_id)
    execute_export(job)
    job.refresh_from_db()
    return job.result or {}


@task()
def run_quality_job(job_id: str) -> dict:
    """Run the data-quality rules over the job's region and record the summary on the job."""
    from django.utils.translation import gettext as _

    from shouwang.core.audit import acting_as

    from .quality import run_checks

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
