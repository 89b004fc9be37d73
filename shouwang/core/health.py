"""``GET /healthz``: is this server able to work? For the monitoring of a county's server.

No login and no personal data: the answer says whether the database answers, whether every
migration of the installed code is applied, and when the background machinery last showed life
(the scheduler's last claimed run, the task worker's last started job, how long the oldest queued
job has waited). It is 200 when the database answers and the schema is current, 503 otherwise, so
a plain HTTP check (nginx, Zabbix, a curl in cron) needs nothing but the status code; the figures
are for a person who looks. Never cached.

The migration check reads the migration files once per process: once they are all applied they
stay applied until new code is installed, which restarts the server.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Job, ScheduledJob

logger = logging.getLogger(__name__)

_schema_current = False  # set once every migration was seen applied (per process)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: the database does not answer")
        return False
    return True


def migrations_applied() -> bool:
    """True when no migration of the installed apps is waiting to be applied."""
    global _schema_current
    if not _schema_current:
        executor = MigrationExecutor(connection)
        _schema_current = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _schema_current


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _background(now: datetime) -> dict[str, Any]:
    """When the scheduler and the worker last did something; counts and times only."""
    scheduled = ScheduledJob.objects.aggregate(last=Max("last_run_at"))
    queued = Job.objects.filter(status=Job.Status.QUEUED).aggregate(oldest=Min("created_at"))
    started = Job.objects.aggregate(last=Max("started_at"))
    oldest = queued["oldest"]
    return {
        "scheduler_last_run": _iso(scheduled["last"]),
        "worker_last_started": _iso(started["last"]),
        "jobs_queued": Job.objects.filter(status=Job.Status.QUEUED).count(),
        "oldest_queued_seconds": int((now - oldest).total_seconds()) if oldest else 0,
    }


def status() -> tuple[bool, dict[str, Any]]:
    """(healthy, the answer's body)."""
    now = timezone.now()
    body: dict[str, Any] = {"status": "error", "database": "unreachable", "time": _iso(now)}
    if not _database_answers():
        return False, body
    body["database"] = "ok"
    try:
        current = migrations_applied()
        body["migrations"] = "applied" if current else "pending"
        body.update(_background(now))
    except DatabaseError:
        logger.exception("health check: reading the schema or the jobs failed")
        body["database"] = "error"
        return False, body
    body["status"] = "ok" if current else "error"
    return current, body


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, body = status()
    return JsonResponse(body, status=200 if healthy else 503)
