"""The audit's nightly work as periodic jobs (``core.scheduling``): anchor the chains outside the
database, then verify them. The verification's result is stored on its job; the home page of the
administrators and auditors warns when the latest one found the log tampered with or failed."""

from __future__ import annotations

from typing import Any

from django.tasks import task
from django.utils.translation import gettext_noop

from . import jobs
from .anchors import AnchorError, verify, write_anchor
from .models import Job

ANCHOR_KIND = "audit_anchor"
VERIFY_KIND = "audit_verify"
ANCHOR_FAILED = gettext_noop("The audit anchor could not be written because of an internal error.")
VERIFY_FAILED = gettext_noop("The audit log could not be verified because of an internal error.")
TAMPERED = gettext_noop("The audit log has been tampered with.")


@task()
def run_anchor_job(job_id: str) -> dict[str, Any]:
    """Write the day's anchor of both chains (a new signed file; safe to repeat)."""

    def work(job: Job) -> jobs.Outcome:
        try:
            anchor = write_anchor()
        except AnchorError as exc:
            raise jobs.JobFailed(exc.message) from exc
        return jobs.Outcome(gettext_noop("Anchor written: %(path)s"), {"path": anchor.path.name},
                            {"file": anchor.path.name, "chains": anchor.body["chains"]})

    return jobs.run(job_id, work, failure_message=ANCHOR_FAILED)


@task()
def run_verify_job(job_id: str) -> dict[str, Any]:
    """Verify both chains against their heads and the anchors (reads only; safe to repeat)."""

    def work(job: Job) -> jobs.Outcome:
        result = verify()
        stored = result.as_result()
        if not result.ok:
            # The result (which chain, which entries, what is wrong) stays on the job for the home
            # page's alert; the job ends failed.
            Job.objects.filter(pk=job.pk).update(result=stored)
            raise jobs.JobFailed(TAMPERED)
        checked = sum(check.checked for check in result.chains)
        return jobs.Outcome(gettext_noop("Audit log intact: %(n)d entries, %(anchors)d anchors checked"),
                            {"n": checked, "anchors": result.anchors}, stored)

    return jobs.run(job_id, work, failure_message=VERIFY_FAILED)


def latest_verification() -> Job | None:
    """The newest finished verification job (nightly or started by hand)."""
    return (Job.objects.filter(kind=VERIFY_KIND, status__in=(Job.Status.SUCCEEDED, Job.Status.FAILED))
            .order_by("-finished_at", "-created_at").first())


def verification_alert() -> Job | None:
    """The latest verification when it did not find the log intact (tampered, or it failed), else None."""
    job = latest_verification()
    if job is None or job.status == Job.Status.SUCCEEDED:
        return None
    return job


jobs.declare_kind(ANCHOR_KIND, run_anchor_job, idempotent=True)
jobs.declare_kind(VERIFY_KIND, run_verify_job, idempotent=True)
