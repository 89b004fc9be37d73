"""``/healthz``: 200 with a small JSON when the database answers and the schema is current, 503
when the database does not answer or a migration is pending; no login, no personal data, never
cached."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from shouwang.core import health
from shouwang.core.models import Job, ScheduledJob

pytestmark = pytest.mark.django_db

EXPECTED_KEYS = {"status", "database", "migrations", "time", "scheduler_last_run", "worker_last_started",
                 "jobs_queued", "oldest_queued_seconds"}


@pytest.fixture(autouse=True)
def _fresh_schema_flag(monkeypatch):
    monkeypatch.setattr(health, "_schema_current", False)


def test_healthy_server_answers_200_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["migrations"] == "applied"
    assert set(body) == EXPECTED_KEYS
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_head_is_answered_and_post_is_not(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_reports_the_scheduler_and_worker_times(client):
    now = timezone.now()
    ScheduledJob.objects.create(name="refresh", time_of_day=None, every_minutes=30,
                                last_run_at=now - timedelta(minutes=3))
    Job.objects.create(kind="import", status=Job.Status.SUCCEEDED, started_at=now - timedelta(minutes=5))
    waiting = Job.objects.create(kind="export", status=Job.Status.QUEUED)
    Job.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(seconds=90))

    body = client.get("/healthz").json()

    assert body["scheduler_last_run"] == (now - timedelta(minutes=3)).isoformat(timespec="seconds")
    assert body["worker_last_started"] == (now - timedelta(minutes=5)).isoformat(timespec="seconds")
    assert body["jobs_queued"] == 1
    assert 90 <= body["oldest_queued_seconds"] < 150


def test_nothing_run_yet_gives_empty_times(client):
    body = client.get("/healthz").json()
    assert body["scheduler_last_run"] is None
    assert body["worker_last_started"] is None
    assert body["jobs_queued"] == 0
    assert body["oldest_queued_seconds"] == 0


def test_database_down_answers_503(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable", "time": mock.ANY}
    assert "no-store" in response["Cache-Control"]


def test_pending_migration_answers_503(client):
    with mock.patch.object(health.MigrationExecutor, "migration_plan", return_value=[("core", "9999_next")]):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["migrations"] == "pending"


def test_schema_is_read_once_per_process(client):
    client.get("/healthz")
    with mock.patch.object(health, "MigrationExecutor") as executor:
        assert client.get("/healthz").status_code == 200
    executor.assert_not_called()


def test_no_personal_data_in_the_answer(client):
    Job.objects.create(kind="import", status=Job.Status.QUEUED, params={"file": "households.xlsx"},
                       message="110101199003077777")
    text = client.get("/healthz").content.decode()
    assert "households.xlsx" not in text
    assert "110101199003077777" not in text
