"""Feed imports as background jobs: the upload page stores the file and queues; a worker imports.

Like the registry import (``shouwang.registry.imports.tasks``, whose upload store this reuses): the
request only writes the upload under a random name outside the web root and records a
``Job``; the task checks (and on request commits) it as the job's user, writes progress to the
job for the status page, keeps the report in ``Job.result`` (issues with their msgids, so it
renders in the reader's language, plus the unmatched leads) and deletes the upload whatever
happened.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.core.audit import acting_as
from shouwang.core.models import Job
from shouwang.registry.imports.tasks import discard_uploads, store_upload, upload_root

from .models import FeedBatch
from .services import FeedImport

logger = logging.getLogger(__name__)

KIND = "feed_import"
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(xlsx|xls|csv)")


def start_feed_import(user, uploaded, feed_type: str, *, commit: bool) -> Job:
    """Store the upload, create the job and queue it once the surrounding transaction commits."""
    files = [store_upload(uploaded)]
    job = Job.objects.create(
        kind=KIND, user=user, params={"files": files, "feed_type": feed_type, "commit": commit},
        message=gettext_noop("Queued"),
    )
    transaction.on_commit(lambda: run_feed_import.enqueue(str(job.pk)))
    return job


def _stored_path(name: str) -> Path:
    if not _STORED_NAME.fullmatch(name):  # never follow a path that the upload store did not make
        raise ValueError("bad stored upload name")
    return upload_root() / name


@task()
def run_feed_import(job_id: str) -> dict[str, Any]:
    """Check (and on request commit) a stored feed upload for its job."""
    job = Job.objects.select_related("user").get(pk=job_id)
    job.start(gettext_noop("Reading the file"))
    try:
        entry = job.params["files"][0]
        with acting_as(job.user, source=f"job {job.pk}"):
            importer = FeedImport(job.params["feed_type"], job.user, channel=FeedBatch.Channel.UPLOAD,
                                  progress=job.set_progress)
            report = importer.run_file(_stored_path(entry["path"]), entry["name"],
                                       commit=bool(job.params.get("commit")))
        job.result = importer.summary(portable=True)
        job.status = Job.Status.SUCCEEDED
        job.message = gettext_noop("Committed") if report.committed else gettext_noop("Checked")
    except Exception:  # the job must end in a visible state; the trace goes to the server log only
        logger.exception("feed import job %s failed", job.pk)
        job.status = Job.Status.FAILED
        job.message = gettext_noop("The import failed because of an internal error.")
    finally:
        discard_uploads(job)
    job.finished_at = timezone.now()
    job.progress = job.total = job.total or 1
    job.save(update_fields=["result", "status", "message", "finished_at", "progress", "total", "updated_at"])
    return {"status": job.status}
