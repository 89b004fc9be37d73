"""The county's "run screening" button: a background job, its progress page and its summary."""

from __future__ import annotations

import json
import re

import pytest

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import Job
from shouwang.monitoring.models import Warning
from shouwang.monitoring.screening.tasks import JOB_KIND
from shouwang.monitoring.tests.factories import household

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["erin", "frank"])
def test_county_officer_runs_screening_and_reads_the_summary(client, personas, name,
                                                             django_capture_on_commit_callbacks):
    household(VILLAGE_A1, number="a", dropout=True)
    household(VILLAGE_B1, number="b", housing_grade="C")
    client.force_login(personas[name])
    page = client.get("/monitoring/screening/").content.decode()
    assert 'value="2023"' in page and "达岚镇" in page
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the request commits
        response = client.post("/monitoring/screening/", {"year": "2023", "region": ""})
    job = Job.objects.get(kind=JOB_KIND)
    assert response.status_code == 302 and response["Location"] == f"/monitoring/screening/{job.pk}/"
    assert job.user == personas[name] and job.params == {"year": 2023, "region": "433122"}
    response = client.get(response["Location"])
    html = response.content.decode()
    assert "Refresh" not in response  # finished: no more refreshing
    summary = json.loads(re.search(r'<pre class="summary">(.*?)</pre>', html, re.S).group(1).replace("&quot;", '"'))
    assert summary["warnings_created"] == 2 and summary["per_rule"]["DROPOUT"] == 1
    assert Warning.objects.count() == 2
    assert "HOUSING_UNSAFE" in html


def test_screening_one_township(client, personas, django_capture_on_commit_callbacks):
    household(VILLAGE_A1, number="a", dropout=True)
    household(VILLAGE_B1, number="b", housing_grade="C")
    client.force_login(personas["erin"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/monitoring/screening/", {"year": "", "region": "433122104"})
    assert list(Warning.objects.values_list("household__number", flat=True)) == ["b"]
    assert Job.objects.get().params == {"year": None, "region": "433122104"}


def test_a_running_job_page_refreshes_itself_and_shows_progress(client, personas):
    job = Job.objects.create(kind=JOB_KIND, user=personas["erin"], params={"year": 2023, "region": "433122"},
                             status=Job.Status.RUNNING, progress=1, total=3, message="Writing warnings")
    client.force_login(personas["frank"])  # another county officer may watch it
    response = client.get(f"/monitoring/screening/{job.pk}/")
    assert response.status_code == 200 and response["Refresh"] == "2"
    assert 'value="33"' in response.content.decode() and "Writing warnings" in response.content.decode()


@pytest.mark.parametrize("name", ["alice", "carol", "grace", "heidi", "ivan"])
def test_only_county_officers_see_the_button(client, personas, name):
    job = Job.objects.create(kind=JOB_KIND, user=personas["erin"], params={"year": 2023, "region": "433122"})
    client.force_login(personas[name])
    assert client.get("/monitoring/screening/").status_code == 403
    assert client.post("/monitoring/screening/", {"year": "2023"}).status_code == 403
    assert client.get(f"/monitoring/screening/{job.pk}/").status_code == 403
    assert Job.objects.count() == 1


def test_a_job_of_another_county_is_not_shown(client, personas):
    job = Job.objects.create(kind=JOB_KIND, params={"year": 2023, "region": "430102"})
    client.force_login(personas["erin"])
    assert client.get(f"/monitoring/screening/{job.pk}/").status_code == 403


def test_a_region_outside_the_county_is_not_a_choice(client, personas):
    client.force_login(personas["erin"])
    response = client.post("/monitoring/screening/", {"year": "", "region": "430102"})
    assert response.status_code == 200 and not Job.objects.exists()


def test_a_failed_run_shows_a_sentence_and_only_the_administrator_the_traceback(
    client, personas, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("connection string postgres://secret")

    household(VILLAGE_A1, number="a", dropout=True)
    monkeypatch.setattr("shouwang.monitoring.screening.tasks.screen", broken)
    client.force_login(personas["erin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/monitoring/screening/", {"year": "2023", "region": ""})
    job = Job.objects.get(kind=JOB_KIND)
    assert job.status == Job.Status.FAILED and "postgres://secret" in job.error
    html = client.get(response["Location"]).content.decode()
    assert "Screening failed because of an internal error." in html
    assert "postgres://secret" not in html and "Traceback" not in html
    client.force_login(personas["frank"])  # the county administrator
    html = client.get(response["Location"]).content.decode()
    assert "Screening failed because of an internal error." in html
    assert "<details" in html and "RuntimeError: connection string postgres://secret" in html


def test_screening_page_and_summary_say_which_year_has_no_line(client, personas,
                                                               django_capture_on_commit_callbacks):
    from decimal import Decimal

    from django.utils import timezone

    from shouwang.monitoring.models import MonitoringLine

    this_year = timezone.localdate().year
    MonitoringLine.objects.filter(year__gt=2023).delete()
    household(VILLAGE_A1, number="a", year=2025, dropout=True)  # the latest data year, without a line
    client.force_login(personas["erin"])
    page = client.get("/monitoring/screening/").content.decode()
    assert 'data-missing-line="2025"' in page and f'data-missing-line="{this_year}"' in page
    assert 'href="/monitoring/lines/#carry-forward"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/monitoring/screening/", {"year": "2025", "region": ""})
    assert 'data-missing-line="2025"' in client.get(response["Location"]).content.decode()
    for year in {2025, this_year}:
        MonitoringLine.objects.create(year=year, region_code="43", amount=Decimal("7500"))
    assert "data-missing-line" not in client.get("/monitoring/screening/").content.decode()
