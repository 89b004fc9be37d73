"""The nightly overdue check: which open warnings passed their date to verify, by township.

Overdue is not stored: it is derived from the status and the due date whenever a page reads a
warning (``Warning.objects.overdue``). What changes overnight is only the date, so the scheduler
(``shouwang.core.scheduling``, registered in ``MonitoringConfig.ready``) runs this job each night:
it records the day's overdue count per township on the job, which the periodic jobs' page shows,
and the dashboards' nightly recount follows it.
"""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Substr
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job

from .models import Warning

JOB_KIND = "overdue_warnings"
OVERDUE_FAILED = gettext_noop("The overdue check failed because of an internal error.")
TOWNSHIP_LENGTH = 9


def overdue_counts(today=None) -> tuple[int, dict[str, int]]:
    """The number of overdue warnings on ``today`` (default: today) and their count per township."""
    today = today or timezone.localdate()
    rows = (Warning.objects.overdue(today).order_by().annotate(township=Substr("region_code", 1, TOWNSHIP_LENGTH))
            .values("township").annotate(n=Count("id")).values_list("township", "n"))
    by_township = dict(sorted(rows))
    return sum(by_township.values()), by_township


@task()
def run_overdue_job(job_id: str) -> dict:
    """Count the overdue warnings of the day (nothing is changed, so it is safe to repeat)."""

    def work(job: Job) -> jobs.Outcome:
        today = timezone.localdate()
        total, by_township = overdue_counts(today)
        return jobs.Outcome(gettext_noop("%(n)d overdue warnings"), {"n": total},
                            {"day": today.isoformat(), "overdue": total, "by_township": by_township})

    return jobs.run(job_id, work, failure_message=OVERDUE_FAILED, retries=1)


# Safe to repeat (it replaces what it wrote): a job whose worker died is queued again.
jobs.declare_kind(JOB_KIND, run_overdue_job, idempotent=True)
