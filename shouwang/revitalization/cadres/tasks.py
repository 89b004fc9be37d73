"""The register's import as a background job, like the feed import: the request stores the upload and
queues; the worker checks (and on request commits) it as the job's user and deletes the upload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.registry.imports.tasks import IMPORT_FAILED, discard_uploads, store_upload, upload_root

from .importer import CadreImport

KIND = "revitalization_cadre_import"
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(xlsx|xls|csv)")


def start_cadre_import(user, uploaded, *, commit: bool) -> Job:
    """Store the upload, create the job and queue it once the surrounding transaction commits."""
    files = [store_upload(uploaded)]
    return jobs.start(KIND, run_cadre_import, user=user, params={"files": files, "commit": commit})


def _stored_path(name: str) -> Path:
    if not _STORED_NAME.fullmatch(name):  # never follow a path that the upload store did not make
        raise ValueError("bad stored upload name")
    return upload_root() / name


@task()
def run_cadre_import(job_id: str) -> dict[str, Any]:
    def work(job: Job) -> jobs.Outcome:
        entry = job.params["files"][0]
        importer = CadreImport(job.user, progress=job.set_progress)
        report = importer.run_file(_stored_path(entry["path"]), entry["name"], commit=bool(job.params.get("commit")))
        message = gettext_noop("Committed") if report.committed else gettext_noop("Checked")
        return jobs.Outcome(message, result=importer.summary(portable=True))

    return jobs.run(job_id, work, failure_message=IMPORT_FAILED, cleanup=discard_uploads,
                    start_message=gettext_noop("Reading the file"))


jobs.declare_kind(KIND, run_cadre_import, cleanup=discard_uploads)
