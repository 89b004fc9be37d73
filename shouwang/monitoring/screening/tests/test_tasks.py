"""Screening as a background job for the county, with progress and the summary on the job."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import Job
from shouwang.monitoring.models import Warning
from shouwang.monitoring.screening.tasks import start_screening
from shouwang.monitoring.tests.factories import household


def test_county_officer_runs_screening_as_a_job(personas, django_capture_on_commit_callbacks):
    household(VILLAGE_A1, number="a", dropout=True)
    household(VILLAGE_B1, number="b", housing_grade="C")
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the request commits
        job = start_screening(personas["erin"], year=2023)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.percent == 100
    assert job.params == {"year": 2023, "region": "433122"}
    assert job.result["warnings_created"] == 2 and job.result["per_rule"]["DROPOUT"] == 1
    assert Warning.objects.count() == 2


def test_screening_a_part_of_the_county(personas, django_capture_on_commit_callbacks):
    household(VILLAGE_A1, number="a", dropout=True)
    household(VILLAGE_B1, number="b", housing_grade="C")
    with django_capture_on_commit_callbacks(execute=True):
        job = start_screening(personas["frank"], year=2023, region="433122104")
    job.refresh_from_db()
    assert job.result["households"] == 1
    assert list(Warning.objects.values_list("household__number", flat=True)) == ["b"]


@pytest.mark.parametrize("name", ["alice", "carol", "grace", "heidi", "ivan"])
def test_only_county_officers_start_screening(personas, name):
    with pytest.raises(PermissionDenied):
        start_screening(personas[name], year=2023)
    assert not Job.objects.exists()


def test_county_officer_cannot_screen_another_county(personas):
    with pytest.raises(PermissionDenied):
        start_screening(personas["erin"], year=2023, region="430102")
