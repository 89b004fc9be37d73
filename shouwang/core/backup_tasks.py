"""The nightly encrypted backup (``core.backup``) as a job the scheduler starts."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.tasks import task
from django.utils.translation import gettext_noop

from . import jobs
from .backup import BackupError, create_backup
from .models import Job

BACKUP_KIND = "backup"
BACKUP_FAILED = gettext_noop("The backup failed because of an internal error.")


@task()
def run_backup_job(job_id: str) -> dict:
    """Write one encrypted backup into the backup folder and keep the newest ones (the setting)."""

    def work(job: Job) -> jobs.Outcome:
        try:
            result = create_backup()
        except BackupError as exc:
            raise jobs.JobFailed(exc.message, exc.params) from exc
        return jobs.Outcome(gettext_noop("Backup written: %(file)s (%(mb)s MB)"),
                            {"file": result.path.name, "mb": f"{result.size / 1e6:.1f}"},
                            {"file": result.path.name, "bytes": result.size, "removed": len(result.removed)})

    return jobs.run(job_id, work, failure_message=BACKUP_FAILED)


def remove_work_folders(job: Job | None = None) -> None:
    """Delete the private work folders (a plaintext copy of the database) a killed backup left."""
    for folder in Path(settings.SHOUWANG_BACKUP_DIR).glob(".swbak-work-*"):
        shutil.rmtree(folder, ignore_errors=True)


# Running a backup again only writes another file: a job whose worker died is queued again.
jobs.declare_kind(BACKUP_KIND, run_backup_job, idempotent=True, cleanup=remove_work_folders)
