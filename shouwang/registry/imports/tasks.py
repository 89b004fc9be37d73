"""Registry imports as background jobs: store the upload, queue the task, run it, clean up.

A web request only stores the uploaded files (outside the web root, under a random name) and
queues :func:`run_registry_import`; the task checks (and on request commits) them as the
job's user, writes progress to the :class:`~shouwang.core.models.Job` row for the status page,
keeps the report (issues with their msgids, so it renders in the reader's language) in
``Job.result``, and deletes the uploads whatever happened (security.md §3.3: no uploaded
personal data lingers).
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path
from typing import Any

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import files, jobs
from shouwang.core.models import Job

from .importer import RegistryImport

logger = logging.getLogger(__name__)

KIND = "registry_import"
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(xlsx|xls|csv)")
IMPORT_FAILED = gettext_noop("The import failed because of an internal error.")


def upload_root() -> Path:
    return files.upload_root()  # 0700; swept of files older than a day (core.files)


def store_upload(uploaded) -> dict[str, str]:
    """Write an uploaded file under a random name; the original name is kept only for the report."""
    suffix = Path(uploaded.name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValueError(f"unsupported suffix {suffix!r}")
    stored = f"{uuid.uuid4().hex}{suffix}"
    with files.open_private(upload_root() / stored, exclusive=True) as out:  # 0600 from the start
        for chunk in uploaded.chunks():
            out.write(chunk)
    return {"path": stored, "name": Path(uploaded.name).name[:200]}


def start_import(user, uploads: list[Any], *, commit: bool, allow_partial: bool) -> Job:
    """Store the uploads, create the job and queue it (after the surrounding transaction commits)."""
    files = [store_upload(f) for f in uploads]
    return jobs.start(KIND, run_registry_import, user=user,
                      params={"files": files, "commit": commit, "allow_partial": allow_partial})


def _stored_path(name: str) -> Path:
    if not _STORED_NAME.fullmatch(name):  # never follow a path that this module did not make
        raise ValueError("bad stored upload name")
    return upload_root() / name


def discard_uploads(job: Job) -> None:
    for entry in job.params.get("files", []):
        try:
            _stored_path(entry["path"]).unlink(missing_ok=True)
        except (OSError, ValueError, KeyError):
            logger.warning("could not delete an upload of job %s", job.pk)


@task()
def run_registry_import(job_id: str) -> dict[str, Any]:
    """Check (and on request commit) a stored registry upload for its job; the uploads are deleted
    whatever happens. Not retried: a commit that failed half-way is for a person to look at."""

    def work(job: Job) -> jobs.Outcome:
        files = [(_stored_path(f["path"]), f["name"]) for f in job.params.get("files", [])]
        importer = RegistryImport(job.user, allow_partial=bool(job.params.get("allow_partial")),
                                  progress=job.set_progress)
        report = importer.run(files, commit=bool(job.params.get("commit")))
        if not report.total and not report.errors:  # a file of headers only: nothing checked, nothing written
            message = gettext_noop("No rows: nothing was written") if job.params.get("commit") else gettext_noop(
                "No rows to check")
        else:
            message = gettext_noop("Committed") if report.committed else gettext_noop("Checked")
        return jobs.Outcome(message, result=report.to_dict(portable=True))

    return jobs.run(job_id, work, failure_message=IMPORT_FAILED, cleanup=discard_uploads,
                    start_message=gettext_noop("Reading the file"))


# Not idempotent for recovery: a commit whose worker died is for a person to start again.
jobs.declare_kind(KIND, run_registry_import, cleanup=discard_uploads)
