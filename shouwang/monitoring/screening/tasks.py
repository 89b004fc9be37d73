"""Screening as a background job: the county's button starts it, a worker runs it, the page watches.

``start_screening`` checks who may screen what and records a ``Job``; the task does the
work and writes progress and the summary onto that job.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.tasks import task
from django.utils.translation import gettext as _

from shouwang.accounts.models import Role
from shouwang.core.audit import acting_as
from shouwang.core.models import Job

from .services import screen

JOB_KIND = "screening"


def may_screen(user, region: str = "") -> bool:
    """County officers and the administrator screen their own region or a part of it."""
    if user is None or not getattr(user, "is_active", False) or user.role not in (Role.COUNTY, Role.ADMIN):
        return False
    prefix = user.scope_prefix or ""
    return bool(prefix) and (region or prefix).startswith(prefix)


def start_screening(user, year: int | None = None, region: str = "") -> Job:
    """Record a screening job for ``user``'s region (or a part of it) and queue it."""
    if not region and user is not None:
        region = user.scope_prefix or ""
    if not may_screen(user, region):
        raise PermissionDenied(_("Only county officers may run screening, and only in their own region."))
    job = Job.objects.create(kind=JOB_KIND, user=user, params={"year": year, "region": region}, total=3)
    run_screening_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


@task()
def run_screening_job(job_id: str) -> dict:
    job = Job.objects.get(pk=job_id)
    job.start()
    try:
        with acting_as(job.user, source=f"job {job.pk}"):
            result = screen(year=job.params.get("year"), region=job.params.get("region") or "",
                            progress=job.set_progress)
    except Exception as exc:
        job.fail(str(exc))
        raise
    summary = result.summary() | {"year": result.year, "region": result.region, "notes": result.notes}
    job.succeed(_("%(n)d warnings created") % {"n": result.warnings_created}, result=summary, progress=3, total=3)
    return summary
