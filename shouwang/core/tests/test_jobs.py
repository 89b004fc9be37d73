"""The one job runner: queued after commit, ended visibly, failures in words, tracebacks for admins."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext_noop

from shouwang.core import jobs
from shouwang.core.models import Job

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


def _findings(job: Job) -> jobs.Outcome:
    CALLS.append("findings")
    job.set_progress(1, 2, "Half way")
    return jobs.Outcome(gettext_noop("%(n)d findings"), {"n": 3}, {"findings": 3})


def _broken(job: Job) -> jobs.Outcome:
    raise RuntimeError("secret detail of /var/lib/shouwang")


@task()
def findings_task(job_id: str) -> dict:
    return jobs.run(job_id, _findings)


@pytest.fixture(autouse=True)
def no_calls():
    CALLS.clear()


def test_start_queues_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = jobs.start("test", findings_task, params={"a": 1}, total=2)
        assert CALLS == []  # not yet: a worker would not find the job before the commit
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert CALLS == ["findings"] and job.status == Job.Status.SUCCEEDED
    assert job.params == {"a": 1} and job.result == {"findings": 3}
    assert job.progress == job.total == 2 and job.percent == 100


def test_a_rolled_back_request_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                jobs.start("test", findings_task)
                raise ValueError("the request failed")
        except ValueError:
            pass
    assert callbacks == [] and CALLS == [] and not Job.objects.exists()


def test_now_runs_the_task_at_once():
    job = jobs.start("test", findings_task, now=True)
    assert CALLS == ["findings"] and job.status == Job.Status.SUCCEEDED


def test_the_message_is_a_msgid_read_in_the_readers_language():
    job = jobs.start("test", findings_task, now=True)
    assert job.message == "%(n)d findings" and job.message_params == {"n": 3}
    with translation.override("en"):
        assert job.display_message == "3 findings"
    with translation.override("zh-hans"):
        assert job.display_message == "发现 3 个问题"


def test_a_job_reads_as_its_kind_status_and_id():
    job = Job.objects.create(kind="registry_import")
    assert str(job) == f"registry_import queued {job.pk}"


def test_a_failure_shows_a_sentence_and_keeps_the_traceback_apart(caplog):
    job = Job.objects.create(kind="test")
    cleaned: list[str] = []
    summary = jobs.run(str(job.pk), _broken, failure_message=gettext_noop(
        "The import failed because of an internal error."), cleanup=lambda j: cleaned.append(str(j.pk)))
    job.refresh_from_db()
    assert summary == {"status": "failed"} and job.status == Job.Status.FAILED and job.finished_at
    assert job.message == "The import failed because of an internal error."
    assert "secret detail" not in job.display_message
    assert "RuntimeError: secret detail of /var/lib/shouwang" in job.error
    assert "secret detail" in caplog.text  # the server log has it too
    assert cleaned == [str(job.pk)]  # the clean-up runs whatever happened
    with translation.override("zh-hans"):
        assert job.display_message == "因系统内部错误，导入失败。"


def test_job_failed_is_a_sentence_for_the_user_without_a_traceback():
    def refuse(job: Job) -> jobs.Outcome:
        raise jobs.JobFailed(gettext_noop("You may not export this list."))

    job = Job.objects.create(kind="test")
    jobs.run(str(job.pk), refuse)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == ""
    with translation.override("zh-hans"):
        assert job.display_message == "您无权导出此列表。"


def _flaky(failures: int):
    def work(job: Job) -> jobs.Outcome:
        CALLS.append("try")
        if len(CALLS) <= failures:
            raise OperationalError("database is locked")
        return jobs.Outcome("Done")

    return work


def test_retries_repeat_work_after_a_transient_database_error(monkeypatch):
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    job = Job.objects.create(kind="test")
    jobs.run(str(job.pk), _flaky(1), retries=1)
    job.refresh_from_db()
    assert CALLS == ["try", "try"] and job.status == Job.Status.SUCCEEDED


def test_without_retries_a_transient_error_fails_the_job(monkeypatch):
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    job = Job.objects.create(kind="test")
    jobs.run(str(job.pk), _flaky(1))
    job.refresh_from_db()
    assert CALLS == ["try"] and job.status == Job.Status.FAILED and "database is locked" in job.error


def test_the_work_runs_as_the_jobs_user(personas):
    from shouwang.core.audit import current_context

    seen = {}

    def work(job: Job) -> jobs.Outcome:
        seen["context"] = current_context()
        return jobs.Outcome()

    job = Job.objects.create(kind="test", user=personas["erin"])
    jobs.run(str(job.pk), work)
    assert seen["context"].acting_user() == personas["erin"] and seen["context"].source == f"job {job.pk}"


def _render(job: Job, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    with translation.override("en"):
        return render_to_string("core/_job_progress.html", {"job": job, "refresh_url": "/again/"},
                                request=request)


def _failed_job(user) -> Job:
    job = Job.objects.create(kind="test", user=user)
    jobs.run(str(job.pk), _broken)
    job.refresh_from_db()
    return job


def test_the_partial_shows_the_user_the_sentence_and_the_administrator_the_traceback(personas):
    job = _failed_job(personas["erin"])
    html = _render(job, personas["erin"])
    assert "The job failed because of an internal error." in html and 'role="alert"' in html
    assert "secret detail" not in html and "Traceback" not in html and "<details" not in html
    admin = _render(job, personas["frank"])  # the county administrator
    assert "<details" in admin and "RuntimeError: secret detail" in admin and "<details open" not in admin


def test_a_superuser_sees_the_traceback_too(personas):
    job = _failed_job(personas["erin"])
    root = get_user_model().objects.create_superuser("root", password="x" * 16)
    assert "RuntimeError: secret detail" in _render(job, root)
    assert jobs.error_visible_to(root) and not jobs.error_visible_to(personas["heidi"])


def test_the_partial_shows_progress_while_running(personas):
    job = Job.objects.create(kind="test", status=Job.Status.RUNNING, progress=1, total=4, message="Half way")
    html = _render(job, personas["erin"])
    assert "Running: Half way" in html and "(1 / 4)" in html
    assert 'value="25"' in html and 'href="/again/"' in html
