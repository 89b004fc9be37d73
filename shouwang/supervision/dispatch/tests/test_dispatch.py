"""Dispatch: sending downwards only, answering by the receiving region at its level, overdue, audit, API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.core.permissions import can
from shouwang.regions.models import Region
from shouwang.supervision.dispatch import services as dispatch
from shouwang.supervision.models import DispatchKind, DispatchRecipient, DispatchTask, RecipientStatus

DEADLINE = date.today() + timedelta(days=7)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def send(user, targets, **kw) -> DispatchTask:
    kw.setdefault("title", "摸排核查")
    kw.setdefault("deadline", DEADLINE)
    return dispatch.issue_task(user, targets=targets, **kw)


def recipient(task: DispatchTask, code: str) -> DispatchRecipient:
    return task.recipients.select_related("task").get(region_code=code)


def townships_of_county() -> set[str]:
    townships = Region.objects.filter(code__startswith=COUNTY, level=Region.Level.TOWNSHIP)
    return set(townships.values_list("code", flat=True))


def test_county_sends_to_all_townships(personas):
    targets = dispatch.resolve_targets(personas["erin"], "all")
    assert set(targets) == townships_of_county() and TOWNSHIP_A in targets and TOWNSHIP_B in targets
    task = send(personas["erin"], targets)
    assert task.region_code == COUNTY
    assert set(task.recipients.values_list("region_code", flat=True)) == townships_of_county()
    entry = ChangeLog.objects.get(object_type="supervision.dispatchtask", object_id=str(task.pk))
    assert entry.action == "create" and entry.username == "erin" and TOWNSHIP_A in entry.after["recipients"]


def test_county_sends_to_the_villages_of_one_township(personas):
    targets = dispatch.resolve_targets(personas["erin"], "villages_of", township=TOWNSHIP_A)
    assert VILLAGE_A1 in targets and VILLAGE_A2 in targets
    assert all(code.startswith(TOWNSHIP_A) and len(code) == 12 for code in targets)


def test_township_sends_only_to_its_own_villages(personas):
    carol = personas["carol"]
    assert set(dispatch.resolve_targets(carol, "all")) >= {VILLAGE_A1, VILLAGE_A2}
    assert not any(code.startswith(TOWNSHIP_B) for code in dispatch.resolve_targets(carol, "all"))
    with pytest.raises(PermissionDenied):
        send(carol, [VILLAGE_B1])
    with pytest.raises(PermissionDenied):
        send(carol, [COUNTY])  # upwards
    with pytest.raises(PermissionDenied):
        send(carol, [TOWNSHIP_A])  # itself
    assert not DispatchTask.objects.exists()


@pytest.mark.parametrize("name", ["alice", "grace", "heidi", "ivan"])
def test_village_cadres_leaders_auditors_and_departments_cannot_send(personas, name):
    assert not can(personas[name], "supervision.issue_dispatch")
    with pytest.raises(PermissionDenied):
        send(personas[name], [VILLAGE_A1])


def test_a_deadline_in_the_past_is_refused(personas):
    with pytest.raises(dispatch.DispatchInvalid):
        send(personas["erin"], [TOWNSHIP_A], deadline=date.today() - timedelta(days=1))


def test_round_trip_township_acknowledges_and_completes(personas):
    task = send(personas["erin"], [TOWNSHIP_A, TOWNSHIP_B])
    mine = recipient(task, TOWNSHIP_A)
    assert list(dispatch.inbox(personas["carol"]).values_list("pk", flat=True)) == [mine.pk]
    dispatch.acknowledge(mine, personas["carol"])
    mine.refresh_from_db()
    assert mine.status == RecipientStatus.ACKNOWLEDGED and mine.acknowledged_by == personas["carol"]
    dispatch.complete(mine, personas["carol"], "已完成全镇排查")
    mine.refresh_from_db()
    assert mine.status == RecipientStatus.DONE and mine.note == "已完成全镇排查"
    counts = dispatch.issued_tasks(personas["erin"]).get(pk=task.pk)
    assert (counts.recipient_total, counts.acknowledged_total, counts.done_total) == (2, 1, 1)
    entries = ChangeLog.objects.filter(object_type="supervision.dispatchrecipient", object_id=str(mine.pk))
    assert [e.after["status"] for e in entries.order_by("id")] == ["acknowledged", "done"]
    assert {e.username for e in entries} == {"carol"}


def test_only_the_receiving_region_at_its_level_may_answer(personas):
    task = send(personas["erin"], [TOWNSHIP_A])
    mine = recipient(task, TOWNSHIP_A)
    for name in ("dave", "erin", "alice", "grace"):  # other township, the sender, a village below, a leader
        with pytest.raises(PermissionDenied):
            dispatch.acknowledge(mine, personas[name])
        with pytest.raises(PermissionDenied):
            dispatch.complete(mine, personas[name], "note")
    mine.refresh_from_db()
    assert mine.status == RecipientStatus.PENDING


def test_answering_twice_or_without_a_note_is_refused(personas):
    task = send(personas["carol"], [VILLAGE_A1])
    mine = recipient(task, VILLAGE_A1)
    dispatch.acknowledge(mine, personas["alice"])
    with pytest.raises(dispatch.DispatchNotAllowed):
        dispatch.acknowledge(mine, personas["alice"])
    with pytest.raises(dispatch.DispatchInvalid):
        dispatch.complete(mine, personas["alice"], "   ")
    dispatch.complete(mine, personas["alice"], "done")
    with pytest.raises(dispatch.DispatchNotAllowed):
        dispatch.complete(mine, personas["alice"], "again")


def test_a_notice_is_acknowledged_not_completed(personas):
    task = send(personas["erin"], [TOWNSHIP_A], kind=DispatchKind.NOTICE)
    mine = recipient(task, TOWNSHIP_A)
    with pytest.raises(dispatch.DispatchNotAllowed):
        dispatch.complete(mine, personas["carol"], "read")
    dispatch.acknowledge(mine, personas["carol"])


def test_a_closed_task_takes_no_more_answers(personas):
    task = send(personas["erin"], [TOWNSHIP_A])
    with pytest.raises(PermissionDenied):
        dispatch.close_task(task, personas["carol"])
    dispatch.close_task(task, personas["erin"])
    with pytest.raises(dispatch.DispatchNotAllowed):
        dispatch.acknowledge(recipient(task, TOWNSHIP_A), personas["carol"])


def test_overdue_is_marked_until_done(personas, monkeypatch):
    task = send(personas["erin"], [TOWNSHIP_A, TOWNSHIP_B])
    dispatch.complete(recipient(task, TOWNSHIP_B), personas["dave"], "done")
    monkeypatch.setattr(dispatch, "today", lambda: DEADLINE + timedelta(days=1))
    rows = {r.region_code: r.is_overdue for r in dispatch.recipients_for(personas["erin"]).filter(task=task)}
    assert rows == {TOWNSHIP_A: True, TOWNSHIP_B: False}
    assert dispatch.issued_tasks(personas["erin"]).get(pk=task.pk).overdue_total == 1
    assert [r.is_overdue for r in dispatch.inbox(personas["carol"])] == [True]


def test_the_township_does_not_see_another_townships_tasks_or_answers(personas):
    own = send(personas["carol"], [VILLAGE_A1])
    other = send(personas["dave"], [VILLAGE_B1])
    assert list(dispatch.issued_tasks(personas["carol"])) == [own]
    assert dispatch.visible_task(personas["carol"], other.pk) is None
    assert not dispatch.recipients_for(personas["carol"]).filter(task=other).exists()
    assert {t.pk for t in dispatch.issued_tasks(personas["erin"])} == {own.pk, other.pk}


def test_pages_round_trip_and_refusals(client, personas):
    client.force_login(personas["erin"])
    response = client.post(reverse("supervision:dispatch_new"), {
        "kind": "task", "title": "防返贫集中排查", "body": "请于期限内完成", "deadline": DEADLINE.isoformat(),
        "mode": "chosen", "targets": [TOWNSHIP_A, TOWNSHIP_B],
    })
    task = DispatchTask.objects.get()
    assert response.status_code == 302 and response.url == reverse("supervision:dispatch_detail", args=[task.pk])
    mine = recipient(task, TOWNSHIP_A)

    client.force_login(personas["dave"])
    refused = client.post(reverse("supervision:dispatch_answer", args=[mine.pk, "acknowledge"]))
    assert refused.status_code == 404  # another township's answer is not even visible

    client.force_login(personas["carol"])
    page = client.get(reverse("supervision:dispatch_index"))
    assert "防返贫集中排查" in page.content.decode()
    assert client.post(reverse("supervision:dispatch_answer", args=[mine.pk, "acknowledge"])).status_code == 302
    assert client.post(reverse("supervision:dispatch_answer", args=[mine.pk, "acknowledge"])).status_code == 409
    assert client.post(reverse("supervision:dispatch_answer", args=[mine.pk, "complete"]),
                       {"note": ""}).status_code == 400
    assert client.post(reverse("supervision:dispatch_answer", args=[mine.pk, "complete"]),
                       {"note": "全部完成"}).status_code == 302

    client.force_login(personas["erin"])
    detail = client.get(reverse("supervision:dispatch_detail", args=[task.pk])).content.decode()
    assert "全部完成" in detail and "1 of 2 acknowledged, 1 done" in detail
    # The county officer sees the answers but may not answer for the township.
    assert client.post(reverse("supervision:dispatch_answer", args=[mine.pk, "complete"]),
                       {"note": "x"}).status_code == 403


def test_a_village_cadre_cannot_open_the_send_form(client, personas):
    client.force_login(personas["alice"])
    assert client.get(reverse("supervision:dispatch_new")).status_code == 403


def test_attachment_type_and_size_are_checked_and_only_recipients_download_it(client, personas):
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    task = send(personas["erin"], [TOWNSHIP_A], attachment=pdf)
    assert task.attachment_name == "方案.pdf"
    with pytest.raises(dispatch.DispatchInvalid):
        send(personas["erin"], [TOWNSHIP_A], attachment=SimpleUploadedFile("x.exe", b"MZ"))
    with pytest.raises(dispatch.DispatchInvalid):
        send(personas["erin"], [TOWNSHIP_A], attachment=SimpleUploadedFile("fake.pdf", b"MZ not a pdf"))
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(dispatch.DispatchInvalid):
        send(personas["erin"], [TOWNSHIP_A], attachment=big)
    client.force_login(personas["carol"])
    response = client.get(reverse("supervision:dispatch_attachment", args=[task.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(personas["dave"])
    assert client.get(reverse("supervision:dispatch_attachment", args=[task.pk])).status_code == 404


def test_api_inbox_acknowledge_complete_and_refusals(personas):
    task = send(personas["erin"], [TOWNSHIP_A, TOWNSHIP_B])
    mine = recipient(task, TOWNSHIP_A)
    api = APIClient()
    api.force_authenticate(personas["carol"])
    inbox = api.get("/api/dispatch/inbox/").json()
    assert [row["id"] for row in inbox["results"]] == [mine.pk]
    assert inbox["results"][0]["task"]["title"] == "摸排核查"
    assert api.post(f"/api/dispatch/inbox/{mine.pk}/acknowledge/").json()["status"] == "acknowledged"
    assert api.post(f"/api/dispatch/inbox/{mine.pk}/acknowledge/").status_code == 409
    assert api.post(f"/api/dispatch/inbox/{mine.pk}/complete/", {"note": ""}, format="json").status_code == 400
    done = api.post(f"/api/dispatch/inbox/{mine.pk}/complete/", {"note": "完成"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"

    api.force_authenticate(personas["dave"])
    assert api.post(f"/api/dispatch/inbox/{mine.pk}/acknowledge/").status_code == 404

    api.force_authenticate(personas["erin"])
    tasks = api.get("/api/dispatch/tasks/").json()["results"]
    assert tasks[0]["done_total"] == 1 and tasks[0]["recipient_total"] == 2
    detail = api.get(f"/api/dispatch/tasks/{task.pk}/").json()
    assert {r["region_code"]: r["status"] for r in detail["recipients"]} == {TOWNSHIP_A: "done", TOWNSHIP_B: "pending"}
    # The county reaches its inbox too, but it is empty: the county received nothing.
    assert api.get("/api/dispatch/inbox/").json()["results"] == []


def test_api_inbox_queries_do_not_grow_with_the_rows(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = APIClient()
    api.force_authenticate(personas["carol"])

    def inbox_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/dispatch/inbox/").status_code == 200
        return len(queries)

    send(personas["erin"], [TOWNSHIP_A])
    one = inbox_queries()
    send(personas["frank"], [TOWNSHIP_A], title="通知")
    send(personas["erin"], [TOWNSHIP_A], title="第三项")
    assert inbox_queries() == one


def test_screening_campaigns_show_with_progress(client, personas):
    from shouwang.monitoring.fieldwork import services as fieldwork
    from shouwang.registry.tests.factories import make_household

    make_household(VILLAGE_A1)
    make_household(VILLAGE_B1)
    campaign = fieldwork.launch_campaign(personas["erin"], name="2024年集中排查",
                                         region=Region.objects.get(code=COUNTY),
                                         starts_on=date.today(), ends_on=DEADLINE)
    client.force_login(personas["erin"])
    page = client.get(reverse("supervision:dispatch_index")).content.decode()
    assert campaign.name in page and "0 of 2 households visited" in page
