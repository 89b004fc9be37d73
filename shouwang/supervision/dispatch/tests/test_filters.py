"""The dispatch lists: a task's answers on its page and in their export, the tasks sent on the page,
the API and the export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_A, TOWNSHIP_B
from shouwang.supervision.dispatch import services as dispatch


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tasks(personas):
    deadline = date.today() + timedelta(days=7)
    erin = personas["erin"]
    return [
        dispatch.issue_task(erin, targets=[TOWNSHIP_A, TOWNSHIP_B], title="摸排核查", deadline=deadline),
        dispatch.issue_task(erin, targets=[TOWNSHIP_B], title="报送材料", deadline=deadline),
    ]


def test_a_tasks_page_and_its_export_list_the_same_answers(list_rows, personas, tasks):
    erin = personas["erin"]
    for task in tasks:
        page = list_rows.page(
            erin, reverse("supervision:dispatch_detail", args=[task.pk]), {},
            key=lambda row: row["recipient"].region.name, rows=lambda context: context["rows"],
        )
        export = list_rows.export(erin, "dispatch_recipients", {"task": task.pk}, column="接收单位")
        assert page == export and page, task
    assert len(list_rows.export(erin, "dispatch_recipients", {}, column="接收单位")) == 3


def test_the_tasks_sent_are_the_same_on_the_page_the_api_and_the_export(list_rows, personas, tasks):
    for user in (personas["erin"], personas["carol"]):
        page = list_rows.page(user, reverse("supervision:dispatch_index"), {}, key=lambda t: t.title,
                              rows=lambda context: context["issued"])
        api = list_rows.api(user, "/api/dispatch/tasks/", {}, key="title")
        assert page == api == list_rows.export(user, "dispatch_tasks", {}, column="标题"), user
