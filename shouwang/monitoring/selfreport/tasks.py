"""The job that matches a public self-report with the registry, after the request has answered.

The public page stores the report (``services.store_self_report``) and queues this job, so the
page's request does the same work for a registered and an unregistered person; the matching,
and for a known household the warning, happen here in the worker.
"""

from __future__ import annotations

from django.tasks import task
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job

from . import services
from .models import SelfReport

JOB_KIND = "self_report_routing"
ROUTING_FAILED = gettext_noop("Routing a self-report failed because of an internal error.")


def start_routing(report: SelfReport) -> Job:
    """Queue the matching of ``report`` once the surrounding transaction commits."""
    return jobs.start(JOB_KIND, run_routing_job, params={"report": report.pk})


@task()
def run_routing_job(job_id: str) -> dict:
    """Match one report with the registry (nothing more happens when run again)."""

    def work(job: Job) -> jobs.Outcome:
        services.route_self_report(job.params["report"])
        return jobs.Outcome(gettext_noop("Self-report routed"))

    return jobs.run(job_id, work, failure_message=ROUTING_FAILED, retries=1)


# Safe to repeat (a routed report is no longer waiting): a job whose worker died is queued again.
jobs.declare_kind(JOB_KIND, run_routing_job, idempotent=True)
