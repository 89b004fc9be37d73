"""The export task: a worker runs it for a large set, the request itself for a small one.

The task receives a ``core.Job`` id, as every job does; :func:`.files.write_export` writes progress
and the outcome onto that job, so the page that watches it needs nothing else.
"""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs

from .files import discard_export, write_export

EXPORT_FAILED = gettext_noop("The export failed because of an internal error.")


@task()
def run_export_job(job_id: str) -> dict:
    """Write the export's file. Not retried: the user starts it again from the list page."""
    return jobs.run(job_id, write_export, failure_message=EXPORT_FAILED)


# Not queued again after its worker died (the user starts it again); its half-written file is deleted.
jobs.declare_kind("export", run_export_job, cleanup=discard_export)
