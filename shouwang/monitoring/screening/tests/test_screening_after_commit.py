"""A registry import or a feed commit is screened by itself: the households it wrote, nobody pressing
a button (``core.signals.households_changed`` → a ``screening_changed`` job)."""

from __future__ import annotations

import pytest

from conftest import VILLAGE_A1
from shouwang.core.models import Job
from shouwang.monitoring.feeds.services import import_feed
from shouwang.monitoring.feeds.tests.feed_files import member_id, write_feed_xlsx
from shouwang.monitoring.models import Warning
from shouwang.monitoring.screening.tasks import CHANGED_KIND
from shouwang.monitoring.tests.factories import household as make_household
from shouwang.registry.imports.importer import import_registry
from shouwang.registry.imports.tests.registry_files import household, write_xlsx, year
from shouwang.registry.models import Household, Member

pytestmark = pytest.mark.django_db


def _import(tmp_path, members, years, user=None):
    path = write_xlsx(tmp_path / "registry.xlsx", members, years)
    return import_registry([(path, "registry.xlsx")], commit=True, user=user)


def test_a_registry_import_commit_is_screened_without_a_manual_run(personas, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    members = household("H0001", 1) + household("H0002", 10)
    years = [year("H0001", 义务教育辍学="是"), year("H0002")]
    with django_capture_on_commit_callbacks(execute=True):
        report = _import(tmp_path, members, years, user=personas["erin"])
    assert report.committed
    job = Job.objects.get(kind=CHANGED_KIND)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.user == personas["erin"]
    assert sorted(job.params["household_ids"]) == sorted(Household.objects.values_list("pk", flat=True))
    assert job.params["year"] == 2024 and job.result["year"] == 2024
    warned = Warning.objects.get()
    assert warned.household.number == "H0001"

    # the same file again changes nothing: no household to screen, no job
    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, members, years, user=personas["erin"])
    assert Job.objects.filter(kind=CHANGED_KIND).count() == 1

    # one household changed: only that one is screened
    years[1] = year("H0002", 义务教育辍学="是")
    with django_capture_on_commit_callbacks(execute=True):
        _import(tmp_path, members, years, user=personas["erin"])
    second = Job.objects.filter(kind=CHANGED_KIND).latest("created_at")
    assert second.params["household_ids"] == [Household.objects.get(number="H0002").pk]
    assert set(Warning.objects.values_list("household__number", flat=True)) == {"H0001", "H0002"}


def test_a_check_without_commit_screens_nothing(personas, tmp_path, django_capture_on_commit_callbacks):
    path = write_xlsx(tmp_path / "registry.xlsx", household("H0001", 1), [year("H0001", 义务教育辍学="是")])
    with django_capture_on_commit_callbacks(execute=True):
        import_registry([(path, "registry.xlsx")], commit=False, user=personas["erin"])
    assert not Job.objects.filter(kind=CHANGED_KIND).exists() and not Warning.objects.exists()


def test_a_feed_commit_screens_the_households_it_wrote(regions, tmp_path, django_capture_on_commit_callbacks):
    fed = make_household(VILLAGE_A1, wage="100000", year=2024)
    make_household(VILLAGE_A1, wage="100000", year=2024)  # not in the feed: not screened
    person = Member.objects.filter(household=fed).order_by("id").first()
    headers = ["序号", "参保人姓名", "公民身份号码", "结算日期", "医疗类别", "个人负担（元）", "诊断"]
    path = write_feed_xlsx(tmp_path / "medical.xlsx", headers,
                           [["1", person.name, member_id(person), "2024-03-05", "住院", "800", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        assert import_feed("medical", path, path.name, commit=True).report.committed
    job = Job.objects.get(kind=CHANGED_KIND)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.params["household_ids"] == [fed.pk] and job.user is None


def test_work_that_screens_by_itself_may_mute_the_announcement(personas, tmp_path,
                                                                django_capture_on_commit_callbacks):
    from shouwang.core.signals import households_changed_muted

    with django_capture_on_commit_callbacks(execute=True), households_changed_muted():
        assert _import(tmp_path, household("H0001", 1), [year("H0001", 义务教育辍学="是")]).committed
    assert not Job.objects.filter(kind=CHANGED_KIND).exists()
