"""The periodic jobs' page and the working-day calendar: who sees them, who changes them."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from shouwang.core import calendar
from shouwang.core.models import Job, ScheduledJob, WorkingDayOverride

pytestmark = pytest.mark.django_db


def test_county_officers_see_each_job_s_last_run_result_and_next_run(client, personas):
    job = Job.objects.create(kind="data_quality", status=Job.Status.SUCCEEDED, message="%(n)d findings",
                             message_params={"n": 7})
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(seconds=42),
                                         finished_at=timezone.now())
    client.force_login(personas["erin"])
    client.get("/supervision/schedule/")  # the rows are created on first sight
    ScheduledJob.objects.filter(name="data_quality").update(last_job=job)
    html = client.get("/supervision/schedule/").content.decode()
    assert "Data-quality checks" in html and "Dashboard figures" in html and "Overdue warnings check" in html
    assert "Scorecards of this month" in html and "Daily at 03:00" in html
    assert "7 findings" in html and "42.0 s" in html
    assert "Run now" not in html  # the officer watches; the administrator changes
    assert 'href="/supervision/schedule/"' in html  # in the menu


def test_other_roles_do_not_see_the_page(client, personas):
    for name in ("alice", "carol", "grace", "heidi", "ivan"):
        client.force_login(personas[name])
        assert client.get("/supervision/schedule/").status_code == 403
        assert 'href="/supervision/schedule/"' not in client.get("/").content.decode()


def test_the_administrator_changes_the_time_and_runs_a_job_now(client, personas, django_capture_on_commit_callbacks):
    client.force_login(personas["frank"])
    html = client.get("/supervision/schedule/").content.decode()
    assert "Run now" in html
    response = client.post("/supervision/schedule/change/",
                           {"name": "overdue_warnings", "time_of_day": "22:45", "enabled": "on"})
    assert response.status_code == 302
    row = ScheduledJob.objects.get(name="overdue_warnings")
    assert row.time_of_day == time(22, 45) and row.enabled
    assert "Daily at 22:45" in client.get("/supervision/schedule/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/supervision/schedule/run/", {"name": "overdue_warnings"})
    job = Job.objects.get(kind="overdue_warnings")
    assert job.status == Job.Status.SUCCEEDED and job.user == personas["frank"]
    assert job.result["overdue"] == 0
    assert "0 overdue warnings" in client.get("/supervision/schedule/").content.decode()
    # a bad request changes nothing
    client.post("/supervision/schedule/change/", {"name": "overdue_warnings", "time_of_day": "99:99"})
    assert ScheduledJob.objects.get(name="overdue_warnings").time_of_day == time(22, 45)


def test_a_county_officer_may_not_change_the_schedule(client, personas):
    client.force_login(personas["erin"])
    response = client.post("/supervision/schedule/change/", {"name": "overdue_warnings", "time_of_day": "22:45"})
    assert response.status_code == 403
    assert client.post("/supervision/schedule/run/", {"name": "overdue_warnings"}).status_code == 403
    assert not Job.objects.exists()


def test_the_working_day_calendar_page(client, personas):
    client.force_login(personas["frank"])
    html = client.get("/supervision/working-days/?year=2025").content.decode()
    assert "2025-10-01" in html and "2025-09-28" in html and "National Day" in html
    assert 'id="not-covered"' not in html
    later = calendar.covered_years().stop
    html = client.get(f"/supervision/working-days/?year={later}").content.decode()
    assert 'id="not-covered"' in html and "Monday to Friday" in html

    response = client.post("/supervision/working-days/change/",
                           {"day": "2025-10-09", "is_working_day": "0", "note": "Local festival"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2025")
    assert not calendar.is_working_day(date(2025, 10, 9))
    assert "Local festival" in client.get("/supervision/working-days/?year=2025").content.decode()
    client.post("/supervision/working-days/remove/", {"day": "2025-10-09"})
    assert not WorkingDayOverride.objects.exists() and calendar.is_working_day(date(2025, 10, 9))


def test_only_the_administrator_changes_the_calendar(client, personas):
    client.force_login(personas["erin"])
    assert client.get("/supervision/working-days/").status_code == 200
    assert client.post("/supervision/working-days/change/",
                       {"day": "2025-10-09", "is_working_day": "0"}).status_code == 403
    assert not WorkingDayOverride.objects.exists()


def test_every_registered_periodic_job_runs_to_success(personas, django_capture_on_commit_callbacks):
    from shouwang.core import scheduling
    from shouwang.monitoring.tests.factories import household

    household("433122102201", dropout=True)
    scheduling.sync()
    ScheduledJob.objects.update(next_run=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        started = scheduling.run_due()  # as the scheduler runs them: no user
    assert {job.kind for job in started} == {spec.name for spec in scheduling.registered()}
    for job in started:
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED and job.user is None, (job.kind, job.message, job.error)
