"""Refreshing the dashboard figures in the background: after changes, on demand, nightly.

Three ways in, one task:

* ``data_changed`` (sent after a screening run, an import commit, a warning or case
  transition): :func:`on_data_changed` queues a refresh of the villages touched (all of them
  when the sender does not say) once the sender's transaction has committed, so the request
  that changed the data does not wait for the counting;
* the dashboard's "refresh now" button: :func:`start_refresh` records a ``core.Job`` the page
  watches;
* the scheduler, nightly (overdue counts change with the date), and the ``refresh_dashboards`` command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job
from shouwang.core.permissions import require
from shouwang.core.signals import data_changed_is_muted

logger = logging.getLogger(__name__)

JOB_KIND = "dashboard_refresh"
REFRESH_FAILED = gettext_noop("The figures could not be recounted because of an internal error.")


def _codes(region_codes: Iterable[str] | None) -> list[str] | None:
    """The villages to recount: the codes given, a township or county standing for its villages."""
    if region_codes is None:
        return None
    codes = {str(code).strip() for code in region_codes if code}
    villages = {code[:12] for code in codes if len(code) >= 12}
    wider = sorted(code for code in codes if len(code) < 12)
    if wider:
        from django.db.models import Q

        from shouwang.regions.models import Region

        condition = Q()
        for prefix in wider:
            condition |= Q(code__startswith=prefix)
        villages |= set(
            Region.objects.filter(condition, level=Region.Level.VILLAGE).values_list("code", flat=True)
        )
    return sorted(villages)


@task()
def refresh_figures(region_codes: list[str] | None = None, trigger: str = "") -> dict:
    """Recount the given villages (None: all) and replace their figures."""
    from .services import refresh

    record = refresh(region_codes, trigger=trigger)
    return {"rows": record.rows, "seconds": record.seconds, "villages": record.village_count}


def on_data_changed(sender=None, part: str = "", region_codes: Iterable[str] | None = None, **kwargs) -> None:
    """Receiver of ``core.signals.data_changed``: queue a refresh when the transaction commits."""
    if data_changed_is_muted():
        return  # the caller recounts once at the end
    codes = _codes(region_codes)
    if codes == []:
        return  # nothing at village level was touched

    def enqueue() -> None:
        try:
            refresh_figures.enqueue(codes, f"signal:{part}"[:40])
        except Exception:  # a failed refresh must never fail the change that triggered it
            logger.exception("Could not queue the dashboard refresh")

    transaction.on_commit(enqueue, robust=True)


def start_refresh(user) -> Job:
    """Record a refresh job and queue it (``supervision.refresh_dashboards``); the page shows its progress."""
    require(user, "supervision.refresh_dashboards")
    return jobs.start(JOB_KIND, run_refresh_job, user=user, total=1)


@task()
def run_refresh_job(job_id: str) -> dict:
    """Recount every village. Retried twice on a transient database error: a refresh replaces
    the figures it counts in one transaction, so running it again is safe."""
    from .services import refresh

    def work(job: Job) -> jobs.Outcome:
        record = refresh(None, trigger="job")
        return jobs.Outcome(gettext_noop("Figures recounted in %(seconds).1f s"), {"seconds": record.seconds},
                            {"rows": record.rows, "seconds": record.seconds})

    return jobs.run(job_id, work, failure_message=REFRESH_FAILED, retries=2)


# Safe to repeat (it replaces what it wrote): a job whose worker died is queued again.
jobs.declare_kind(JOB_KIND, run_refresh_job, idempotent=True)
