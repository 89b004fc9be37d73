"""The takeover of national records as a background job: store the uploads, queue, run, clean up.

Like the registry import (``shouwang.registry.imports.tasks``, whose upload store this reuses): the
request only writes the uploads under random names outside the web root and records a ``Job``;
the task checks (and on request commits) them as the job's user with
:class:`~.importer.NationalImport`, writes progress to the job for the status page, keeps the
report (issues with their msgids, so it renders in the reader's language) in ``Job.result``, and
deletes the uploads whatever happened.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.registry.imports.tasks import IMPORT_FAILED, discard_uploads, store_upload, upload_root

from .importer import NationalImport

KIND = "national_takeover"
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
MAX_FILES = 4  # the person sheet and the work sheet, as one workbook or one file each (CSV)
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(xlsx|xls|csv)")


def start_takeover(user, uploads: list[Any], *, year: int, commit: bool, allow_partial: bool) -> Job:
    """Store the uploads, create the job and queue it once the surrounding transaction commits."""
    files = [store_upload(f) for f in uploads]
    return jobs.start(KIND, run_takeover, user=user, params={
        "files": files, "year": year, "commit": commit, "allow_partial": allow_partial,
    })


def _stored_path(name: str) -> Path:
    if not _STORED_NAME.fullmatch(name):  # never follow a path that the upload store did not make
        raise ValueError("bad stored upload name")
    return upload_root() / name


@task()
def run_takeover(job_id: str) -> dict[str, Any]:
    """Check (and on request commit) the stored national files of a job; the uploads are deleted
    whatever happens. Not retried: a commit that failed half-way is for a person to look at."""

    def work(job: Job) -> jobs.Outcome:
        files = [(_stored_path(f["path"]), f["name"]) for f in job.params.get("files", [])]
        importer = NationalImport(job.user, year=int(job.params["year"]),
                                  allow_partial=bool(job.params.get("allow_partial")), progress=job.set_progress)
        report = importer.run(files, commit=bool(job.params.get("commit")))
        message = gettext_noop("Committed") if report.committed else gettext_noop("Checked")
        return jobs.Outcome(message, result=report.to_dict(portable=True))

    return jobs.run(job_id, work, failure_message=IMPORT_FAILED, cleanup=discard_uploads,
                    start_message=gettext_noop("Reading the file"))


# Not idempotent for recovery: a commit whose worker died is for a person to start again.
jobs.declare_kind(KIND, run_takeover, cleanup=discard_uploads)
