"""The feed pages: who may upload, the job's report, batches and leads seen only where they belong."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import VILLAGE_A1
from shouwang.core.models import Job
from shouwang.monitoring.feeds.services import import_feed
from shouwang.monitoring.feeds.tests.feed_files import Number, member_id, unknown_id, write_feed_xlsx
from shouwang.monitoring.models import FeedBatch, FeedColumnAlias, FeedSignal
from shouwang.monitoring.tests.factories import household
from shouwang.registry.models import Member

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["身份证号", "就诊日期", "个人自付"]


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return settings.UPLOAD_ROOT


@pytest.fixture
def content(regions):
    h = household(VILLAGE_A1, year=2024)
    number = member_id(Member.objects.filter(household=h).first())
    rows = [[number, "2024-03-05", "100"], [unknown_id(4), "2024-03-06", "50"],
            [Number(433122199001011234), "2024-03-07", "1"]]
    return write_feed_xlsx(None, HEADERS, rows, title="医保")


def upload(client, content, capture, *, mode="commit", feed_type="medical"):
    data = {"file": SimpleUploadedFile("医保.xlsx", content, content_type=XLSX), "mode": mode, "feed_type": feed_type}
    with capture(execute=True):
        return client.post(reverse("monitoring:feed_upload"), data)


@pytest.mark.parametrize("name", ["alice", "carol", "grace", "heidi"])
def test_roles_without_the_feed_action_get_403(client, personas, name):
    client.force_login(personas[name])
    for url in (reverse("monitoring:feed_upload"), reverse("monitoring:feed_batch_list"),
                reverse("monitoring:feed_columns"), reverse("monitoring:feed_template", args=["medical"])):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("name", ["erin", "frank", "ivan"])
def test_county_staff_and_department_officers_see_the_upload_form(client, personas, name):
    client.force_login(personas[name])
    html = client.get(reverse("monitoring:feed_upload")).content.decode()
    assert 'name="feed_type"' in html and 'type="file" name="file"' in html and "viewport" in html


def test_upload_runs_a_job_and_shows_the_report_with_leads(
    client, personas, content, django_capture_on_commit_callbacks, upload_root
):
    client.force_login(personas["ivan"])
    response = upload(client, content, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="feed_import")
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:feed_status", args=[job.pk])
    assert job.status == "succeeded" and not list(upload_root.iterdir())  # the upload is gone
    html = client.get(response["Location"]).content.decode()
    assert "The feed was imported." in html
    assert "format the column as text" in html and "kept as a lead" in html
    assert unknown_id(4) not in html and unknown_id(4)[-4:] in html  # masked
    batch = FeedBatch.objects.get()
    assert batch.user == personas["ivan"] and FeedSignal.objects.count() == 1
    assert reverse("monitoring:feed_batch_detail", args=[batch.pk]) in html
    download = client.get(reverse("monitoring:feed_job_report", args=[job.pk, "csv"]))
    text = download.content.decode("utf-8-sig")
    assert download.status_code == 200 and "format the column as text" in text and unknown_id(4) not in text


def test_validate_only_writes_nothing(client, personas, content, django_capture_on_commit_callbacks):
    client.force_login(personas["erin"])
    upload(client, content, django_capture_on_commit_callbacks, mode="validate")
    assert not FeedSignal.objects.exists() and not FeedBatch.objects.exists()


def test_a_job_is_visible_to_its_starter_only(client, personas, content, django_capture_on_commit_callbacks):
    client.force_login(personas["ivan"])
    upload(client, content, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="feed_import")
    client.force_login(personas["erin"])
    assert client.get(reverse("monitoring:feed_status", args=[job.pk])).status_code == 404


def test_batch_pages_are_scoped(client, personas, content, regions):
    from shouwang.accounts.models import User

    mine = import_feed("medical", content, "a.xlsx", user=personas["ivan"], commit=True)
    other_officer = User.objects.create_user(username="victor", password="Pass-word-123", role="department",
                                             region_id="433122")
    batch_url = reverse("monitoring:feed_batch_detail", args=[mine.report.batch])
    for name in ("ivan", "erin", "frank"):
        client.force_login(personas[name])
        assert client.get(reverse("monitoring:feed_batch_list")).content.decode().count(batch_url) == 1, name
        html = client.get(batch_url).content.decode()
        assert unknown_id(4)[-4:] in html and unknown_id(4) not in html, name
    client.force_login(other_officer)  # another department's officer does not see ivan's batch
    assert batch_url not in client.get(reverse("monitoring:feed_batch_list")).content.decode()
    assert client.get(batch_url).status_code == 404


def test_the_template_has_the_headers_and_a_text_id_column(client, personas):
    from shouwang.core.imports import read_table

    client.force_login(personas["ivan"])
    response = client.get(reverse("monitoring:feed_template", args=["medical"]))
    assert response.status_code == 200
    headers = read_table(response.content, "t.xlsx").row(0)
    assert headers[0] == "身份证号" and "个人自付" in headers
    styles = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/styles.xml")
    assert b'formatCode="@"' in styles  # the ID column is formatted as text
    assert client.get(reverse("monitoring:feed_template", args=["nope"])).status_code == 404


def test_the_administrator_adds_and_removes_a_county_column_name(client, personas):
    client.force_login(personas["frank"])
    response = client.post(reverse("monitoring:feed_columns"),
                           {"feed_type": "medical", "column": "amount", "header": "自负额"})
    assert response.status_code == 302
    alias = FeedColumnAlias.objects.get()
    assert (alias.region_code, alias.column, alias.header) == ("433122", "amount", "自负额")
    assert "自负额" in client.get(reverse("monitoring:feed_columns")).content.decode()
    bad = client.post(reverse("monitoring:feed_columns"),
                      {"feed_type": "medical", "column": "amount", "header": "就诊日期"})
    assert bad.status_code == 200 and "already names another column" in bad.content.decode()
    client.force_login(personas["ivan"])  # a department officer reads the names but does not change them
    assert client.post(reverse("monitoring:feed_columns"), {"remove": alias.pk}).status_code == 403
    client.force_login(personas["frank"])
    client.post(reverse("monitoring:feed_columns"), {"remove": alias.pk})
    assert not FeedColumnAlias.objects.exists()
