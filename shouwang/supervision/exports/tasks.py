"""Exports too large for the request, written by a background job.

The task receives a ``core.Job`` id, as the screening job does; the service writes progress
and the outcome onto that job, so the page that watches it needs nothing else.
"""

from __future__ import annotations

from django.tasks import task

from shouwang.core.models import Job


@task()
def run_export_job(job_id: str) -> dict:
    from .files import execute_export

    job = Job.objects.get(pk=job_id)
    execute_export(job)
    job.refresh_from_db()
    return job.result or {}
