"""The takeover pages: who may use them, the upload as a job end to end, the report with its links."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shouwang.core.imports import Report
from shouwang.core.models import Job
from shouwang.registry.households.models import Household
from shouwang.supervision.takeover.models import NationalRecord
from shouwang.supervision.takeover.tasks import KIND

from .national_files import monitored, person, workbook

pytestmark = pytest.mark.django_db
UPLOAD = reverse("supervision:takeover")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A1 = {"township": "达岚镇", "village": "六里村"}


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    """A folder of this test's own, so that parallel workers never see each other's uploads."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return settings.UPLOAD_ROOT


def national_file(number: str = "433122102201000003", first: int = 1) -> bytes:
    relations = ["户主", "配偶", "之子"]
    rows = [person(number, first + i, relation=relations[i], **A1, **monitored("脱贫不稳定户"), 自定义备注="x")
            for i in range(3)]
    return workbook(rows)


def upload(client, content: bytes, capture, *, name: str = "监测对象信息.xlsx", **data):
    data = {"files": [SimpleUploadedFile(name, content, content_type=XLSX)], "year": "2025", "mode": "validate",
            **data}
    with capture(execute=True):
        return client.post(UPLOAD, data)


def finished_job(user, details: dict, *, committed: bool = True) -> Job:
    report = Report(total=3, accepted=3, created=1, committed=committed, batch="nat-abc", details=details)
    return Job.objects.create(kind=KIND, user=user, status=Job.Status.SUCCEEDED, finished_at=timezone.now(),
                              params={"files": [{"path": "x.xlsx", "name": "监测对象信息.xlsx"}], "year": 2025,
                                      "commit": committed},
                              result=report.to_dict(portable=True))


@pytest.mark.parametrize(("name", "status"), [
    ("frank", 200), ("erin", 403), ("carol", 403), ("alice", 403), ("grace", 403), ("heidi", 403), ("ivan", 403),
])
def test_only_the_county_administrator_takes_over(client, personas, name, status):
    client.force_login(personas[name])
    assert client.get(UPLOAD).status_code == status
    assert client.post(UPLOAD, {}).status_code == status


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_upload_page_shows_the_form_and_how_to_export(client, personas):
    client.force_login(personas["frank"])
    html = client.get(UPLOAD).content.decode()
    assert 'type="file" name="files"' in html and " multiple" in html and 'enctype="multipart/form-data"' in html
    assert f'name="year" value="{timezone.localdate().year}"' in html
    assert 'value="validate"' in html and 'value="commit"' in html and 'name="allow_partial"' in html
    assert "自定义" in html and "监测对象信息" in html and "third row" in html
    assert reverse("supervision:takeover_reconciliation") in html and reverse("supervision:takeover_synonyms") in html


def test_a_wrong_file_type_or_year_is_refused_before_any_job(client, personas):
    client.force_login(personas["frank"])
    data = {"files": [SimpleUploadedFile("notes.txt", b"x")], "year": "2025", "mode": "validate"}
    response = client.post(UPLOAD, data)
    assert response.status_code == 200 and "Upload an .xlsx, .xls or .csv file." in response.content.decode()
    data = {"files": [SimpleUploadedFile("a.xlsx", b"x")], "year": str(timezone.localdate().year + 2),
            "mode": "validate"}
    assert "cannot lie in the future" in client.post(UPLOAD, data).content.decode()
    assert not Job.objects.exists()


def test_validate_then_import_end_to_end(client, personas, upload_root, django_capture_on_commit_callbacks):
    frank = personas["frank"]
    client.force_login(frank)
    content = national_file()
    response = upload(client, content, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=KIND)
    assert response.status_code == 302 and response["Location"] == reverse("supervision:takeover_status",
                                                                          args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.params["year"] == 2025 and job.result["committed"] is False
    assert not Household.objects.exists() and not list(upload_root.glob("*"))  # nothing written, upload gone
    html = client.get(response["Location"]).content.decode()
    assert "Checked only: no errors." in html and "自定义备注" in html  # the unknown header, with its link
    assert reverse("supervision:takeover_synonyms") + "?table=header&amp;text=" in html

    response = upload(client, content, django_capture_on_commit_callbacks, mode="commit")
    job = Job.objects.filter(kind=KIND).latest("created_at")
    assert job.status == Job.Status.SUCCEEDED and job.result["committed"] is True, job.result
    household = Household.objects.get()
    assert household.national_number == "433122102201000003" and NationalRecord.objects.count() == 1
    assert not list(upload_root.glob("*"))
    html = client.get(response["Location"]).content.decode()
    assert "The national records were taken over." in html and 'id="takeover-counts"' in html
    assert 'id="takeover-quality"' in html  # the data-quality checks ran on arrival

    response = upload(client, content, django_capture_on_commit_callbacks, mode="commit")
    again = Job.objects.filter(kind=KIND).latest("created_at").result
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert f'name="year" value="{timezone.localdate().year}"' in client.get(UPLOAD).content.decode()


def test_the_report_lists_counts_unknown_headers_and_quality_findings(client, personas):
    frank = personas["frank"]
    job = finished_job(frank, {
        "households": {"created": 5, "updated": 2, "unchanged": 9}, "members": {"created": 17},
        "cases": {"created": 3, "updated": 1, "unchanged": 0}, "reconciliation": 4,
        "unknown_headers": ["自定义备注"], "quality": {"run": 1, "rules": {"NO_HEAD": 2, "CASE_X": 0}},
    })
    client.force_login(frank)
    response = client.get(reverse("supervision:takeover_status", args=[job.pk]))
    assert response.status_code == 200 and "Refresh" not in response
    html = response.content.decode()
    assert [(r["label"], r["created"], r["updated"], r["unchanged"]) for r in response.context["counts"]] == [
        ("Households", 5, 2, 9), ("Members", 17, 0, 0), ("Cases", 3, 1, 0)]
    assert reverse("supervision:takeover_reconciliation") + "?batch=nat-abc" in html
    assert "?table=header&amp;text=%E8%87%AA%E5%AE%9A%E4%B9%89%E5%A4%87%E6%B3%A8" in html
    rules = response.context["quality_rules"]
    assert [r["code"] for r in rules] == ["NO_HEAD"]  # rules without findings are left out
    assert reverse("supervision:quality_index") + "?rule=NO_HEAD" in html and rules[0]["label"] in html


def test_a_running_takeover_refreshes_itself(client, personas):
    frank = personas["frank"]
    job = Job.objects.create(kind=KIND, user=frank, status=Job.Status.RUNNING, params={"files": [], "year": 2025})
    client.force_login(frank)
    response = client.get(reverse("supervision:takeover_status", args=[job.pk]))
    assert response.status_code == 200 and response["Refresh"] == "2"


def test_a_takeover_is_seen_by_its_own_user_alone(client, personas):
    job = finished_job(personas["frank"], {})
    other = personas["erin"].__class__.objects.create_user(
        username="frank2", password="Pass-word-123", role="admin", region_id="433122")
    client.force_login(other)
    assert client.get(reverse("supervision:takeover_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("supervision:takeover_report", args=[job.pk, "csv"])).status_code == 404
    client.force_login(personas["frank"])
    assert client.get(reverse("supervision:takeover_report", args=[job.pk, "csv"])).status_code == 200


@pytest.mark.parametrize(("name", "target"), [
    ("frank", "supervision:takeover"), ("erin", "supervision:takeover_reconciliation"),
    ("alice", "supervision:takeover_reconciliation"),
])
def test_the_menu_leads_to_the_takeover(client, personas, name, target):
    client.force_login(personas[name])
    html = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse(target)}"' in html


def test_the_menu_hides_it_from_those_without_view(client, personas):
    client.force_login(personas["ivan"])
    assert reverse("supervision:takeover_reconciliation") not in client.get(reverse("web:home")).content.decode()
