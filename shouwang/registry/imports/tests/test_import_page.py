from __future__ import annotations

import re

import fastexcel
import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shouwang.core.idnumbers import parse_id_number
from shouwang.core.models import AccessLog, Job
from shouwang.registry.imports.tasks import KIND
from shouwang.registry.imports.tests.registry_files import VILLAGE_B1, household, write_xlsx, year
from shouwang.registry.models import Household

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    """A folder of this test's own, so that parallel workers never see each other's uploads."""
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return settings.UPLOAD_ROOT


def upload(client, path, *, mode="validate", allow_partial=False, capture=None):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes(), content_type=XLSX), "mode": mode}
    if allow_partial:
        data["allow_partial"] = "on"
    with capture(execute=True):
        return client.post(reverse("registry:import"), data)


def bad_file(tmp_path):
    rows = household("H1", 1) + household("H2", 10)
    rows[4]["证件号码"] = rows[4]["证件号码"][:17] + ("1" if rows[4]["证件号码"][17] == "0" else "0")
    return write_xlsx(tmp_path / "bad.xlsx", rows, [year("H1"), year("H2")], title="农户信息")


@pytest.mark.parametrize("name", ["alice", "judy", "grace", "heidi", "ivan"])
def test_roles_without_import_get_403(client, personas, name):
    client.force_login(personas[name])
    assert client.get(reverse("registry:import")).status_code == 403
    assert client.get(reverse("registry:import_template")).status_code == 403


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(reverse("registry:import"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_import_page_shows_the_form(client, personas):
    client.force_login(personas["carol"])
    response = client.get(reverse("registry:import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file" name="file"' in html and 'enctype="multipart/form-data"' in html
    assert 'value="validate"' in html and 'value="commit"' in html and 'name="allow_partial"' in html


def test_validate_only_shows_each_problem_and_writes_nothing(
    client, personas, tmp_path, upload_root, django_capture_on_commit_callbacks
):
    client.force_login(personas["carol"])
    response = upload(client, bad_file(tmp_path), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("registry:import_status", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.user == personas["carol"]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "家庭成员" in html and ">7<" in html and "证件号码" in html
    )  # sheet, row 7 (title, header, 4 rows), column
    assert "Check digit is wrong" in html and "Import report" in html
    chinese = Client()  # no Accept-Language: the site's default language
    chinese.force_login(personas["carol"])
    with translation.override("zh-hans"):
        html = chinese.get(response["Location"]).content.decode()
    assert "校验码错误" in html and "导入报告" in html
    assert not Household.objects.exists()
    assert not re.search(r"\d{17}[\dX]", html)  # the ID is shown masked
    assert not list(upload_root.glob("*"))  # the upload is gone


def test_validate_and_import_commits_a_good_file(
    client, personas, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(personas["carol"])
    path = write_xlsx(tmp_path / "ok.xlsx", household("H1", 1), [year("H1")])
    upload(client, path, mode="commit", capture=django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=KIND)  # (a commit also queues the screening of its households)
    assert job.result["committed"] is True and job.result["created"] == 1
    assert Household.objects.get().import_batch == job.result["batch"]
    html = client.get(reverse("registry:import_status", args=[job.pk])).content.decode()
    assert "The registry was updated" in html


def test_partial_import_only_with_the_checkbox(
    client, personas, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(personas["carol"])
    path = bad_file(tmp_path)
    upload(client, path, mode="commit", capture=django_capture_on_commit_callbacks)
    assert not Household.objects.exists()
    upload(client, path, mode="commit", allow_partial=True, capture=django_capture_on_commit_callbacks)
    assert list(Household.objects.values_list("number", flat=True)) == ["H1"]


def test_out_of_scope_rows_are_rejected_for_the_township_officer(
    client, personas, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(personas["carol"])
    path = write_xlsx(tmp_path / "b.xlsx", household("HB", 1, 村代码=VILLAGE_B1))
    upload(client, path, mode="commit", capture=django_capture_on_commit_callbacks)
    assert not Household.objects.exists()
    assert {e["code"] for e in Job.objects.get().result["errors"]} == {"village_out_of_scope"}


def test_a_job_is_visible_to_its_own_user_only(
    client, personas, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(personas["carol"])
    upload(client, bad_file(tmp_path), capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    client.force_login(personas["dave"])
    assert client.get(reverse("registry:import_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("registry:import_report", args=[job.pk, "csv"])).status_code == 404
    assert str(job.pk) not in client.get(reverse("registry:import")).content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_report_downloads(client, personas, tmp_path, fmt, django_capture_on_commit_callbacks):
    client.force_login(personas["carol"])
    upload(client, bad_file(tmp_path), capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    response = client.get(reverse("registry:import_report", args=[job.pk, fmt]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert "家庭成员" in text and ",7," in text
    else:
        frame = pl.DataFrame(fastexcel.read_excel(response.content).load_sheet(0, dtypes="string"))
        assert frame.height == 1 and frame.row(0)[1:4] == ("家庭成员", "7", "证件号码")
    assert AccessLog.objects.filter(action="export", object_id=str(job.pk)).exists()
    assert client.get(reverse("registry:import_report", args=[job.pk, "pdf"])).status_code == 404


def test_running_job_page_refreshes_itself(client, personas):
    client.force_login(personas["carol"])
    job = Job.objects.create(
        kind="registry_import",
        user=personas["carol"],
        status=Job.Status.RUNNING,
        progress=5,
        total=10,
        params={"files": [{"path": "x", "name": "r.xlsx"}]},
    )
    response = client.get(reverse("registry:import_status", args=[job.pk]))
    assert response.status_code == 200 and response["Refresh"] == "2"
    assert 'value="50"' in response.content.decode()


def test_bad_upload_type_is_a_form_error(client, personas):
    client.force_login(personas["carol"])
    response = client.post(
        reverse("registry:import"), {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4"), "mode": "validate"}
    )
    assert response.status_code == 200 and not Job.objects.exists()
    assert "xlsx" in response.content.decode()


def test_template_download_has_both_sheets_and_a_valid_text_id(client, personas):
    client.force_login(personas["carol"])
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    reader = fastexcel.read_excel(response.content)
    assert reader.sheet_names[:2] == ["家庭成员", "收支情况"]
    members = pl.DataFrame(reader.load_sheet("家庭成员", dtypes="string"))
    for header in (
        "户编号",
        "村代码",
        "户类型",
        "姓名",
        "证件号码",
        "与户主关系",
        "务工时长(月)",
        "特困供养",
    ):
        assert header in members.columns
    example = members["证件号码"][0]
    parse_id_number(example)  # valid
    flags = pl.DataFrame(reader.load_sheet("家庭成员", dtypes="boolean", use_columns=["证件号码"]))
    assert flags.to_series(0).null_count() == 1  # a text cell, not a number
    income = pl.DataFrame(reader.load_sheet("收支情况", dtypes="string"))
    assert "合规自付支出" in income.columns and income.height == 1


def test_the_template_itself_imports_cleanly(client, personas, django_capture_on_commit_callbacks):
    client.force_login(personas["carol"])
    content = client.get(reverse("registry:import_template")).content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry:import"),
            {"file": SimpleUploadedFile("t.xlsx", content, content_type=XLSX), "mode": "validate"},
        )
    result = Job.objects.get().result
    assert result["errors"] == [] and result["total"] == 2 and result["created"] == 1


def test_a_failing_job_ends_visibly_and_still_deletes_the_upload(
    client, personas, tmp_path, monkeypatch, upload_root, django_capture_on_commit_callbacks
):
    from shouwang.registry.imports import importer

    def explode(self, files, commit=False):
        raise RuntimeError("boom 433122198506151234")

    monkeypatch.setattr(importer.RegistryImport, "run", explode)
    client.force_login(personas["carol"])
    upload(client, bad_file(tmp_path), capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and "433122" not in job.message
    assert not list(upload_root.glob("*"))
    page = client.get(reverse("registry:import_status", args=[job.pk]))
    assert page.status_code == 200 and "Refresh" not in page


def test_a_header_only_csv_with_commit_chosen_is_not_reported_as_checked_or_imported(
    client, personas, tmp_path, django_capture_on_commit_callbacks
):
    from shouwang.registry.imports.template import MEMBER_HEADERS
    from shouwang.registry.imports.tests.registry_files import csv_bytes

    client.force_login(personas["carol"])
    path = tmp_path / "headers.csv"
    path.write_bytes(csv_bytes(MEMBER_HEADERS, [], "utf-8"))
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv"), "mode": "commit"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import"), data)
    job = Job.objects.get(kind=KIND)
    assert job.result["total"] == 0 and job.result["committed"] is False
    assert job.message == "No rows: nothing was written"
    html = client.get(response["Location"]).content.decode()
    assert "The file has no rows below its headers: nothing was written to the registry." in html
    assert "Checked only" not in html and "The registry was updated" not in html
    assert not Household.objects.exists()
