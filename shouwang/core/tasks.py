"""Core's periodic work: the hourly sweep of files holding personal data (uploads, exports)."""

from __future__ import annotations

from typing import Any

from django.tasks import task
from django.utils.translation import gettext_noop

from . import files, jobs
from .models import Job

FILE_SWEEP_KIND = "file_sweep"
FILE_SWEEP_MINUTES = 60
SWEEP_FAILED = gettext_noop("The sweep of old files failed because of an internal error.")


@task()
def run_file_sweep(job_id: str) -> dict[str, Any]:
    """Delete uploads and exports past their keep period (security.md G23). Safe to repeat."""

    def work(job: Job) -> jobs.Outcome:
        removed = files.sweep_all()
        total = sum(removed.values())
        return jobs.Outcome(gettext_noop("%(n)d old files deleted"), {"n": total}, removed)

    return jobs.run(job_id, work, failure_message=SWEEP_FAILED, retries=1)


jobs.declare_kind(FILE_SWEEP_KIND, run_file_sweep, idempotent=True)
