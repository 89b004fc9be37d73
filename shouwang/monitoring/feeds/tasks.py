"""Feed imports as background jobs: the upload page stores the file and queues; a worker imports.

Like the registry import (``shouwang.registry.imports.tasks``, whose upload store this reuses): the
request only writes the upload under a random name outside the web root and records a
``Job``; the task checks (and on request commits) it as the job's user, writes progress to the
job for the status page, keeps the report in ``Job.result`` (issues with their msgids, so it
renders in the reader's language, plus the unmatched leads) and deletes the upload whatever
happened.
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

from .models import FeedBatch
from .services import FeedImport

KIND = "feed_import"
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(xlsx|xls|csv)")


def start_feed_import(user, uploaded, feed_type: str, *, commit: bool, complete: bool = False) -> Job:
    """Store the upload, create the job and queue it once the surrounding transaction commits."""
    files = [store_upload(uploaded)]
    return jobs.start(KIND, run_feed_import, user=user,
                      params={"files": files, "feed_type": feed_type, "commit": commit, "complete": complete})


def _stored_path(name: str) -> Path:
    if not _STORED_NAME.fullmatch(name):  # never follow a path that the upload store did not make
        raise ValueError("bad stored upload name")
    return upload_root() / name


@task()
def run_feed_import(job_id: str) -> dict[str, Any]:
    """Check (and on request commit) a stored feed upload for its job; the upload is deleted
    whatever happens. Not retried: a commit that failed half-way is for a person to look at."""

    def work(job: Job) -> jobs.Outcome:
        entry = job.params["files"][0]
        importer = FeedImport(job.params["feed_type"], job.user, channel=FeedBatch.Channel.UPLOAD,
                              progress=job.set_progress, complete=bool(job.params.get("complete")))
        report = importer.run_file(_stored_path(entry["path"]), entry["name"],
                                   commit=bool(job.params.get("commit")))
        message = gettext_noop("Committed") if report.committed else gettext_noop("Checked")
        return jobs.Outcome(message, result=importer.summary(portable=True))

    return jobs.run(job_id, work, failure_message=IMPORT_FAILED, cleanup=discard_uploads,
                    start_message=gettext_noop("Reading the file"))


# Not idempotent for recovery: a commit whose worker died is for a person to start again.
jobs.declare_kind(KIND, run_feed_import, cleanup=discard_uploads)
