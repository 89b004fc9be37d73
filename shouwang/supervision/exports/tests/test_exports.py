"""Exports: same scope and filters as the list page, masking, neutralised formulas, BOM, the log."""

from __future__ import annotations

import csv
import io
import zipfile

import fastexcel
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import AccessLog, Job
from shouwang.registry.models import Member, Relation
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.exports import services as exports


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"
    return settings.SHOUWANG_EXPORT_ROOT


@pytest.fixture
def three_villages(personas):
    return {
        "a1": make_household(VILLAGE_A1, "A1-0001", household_type="ex_poor"),
        "a2": make_household(VILLAGE_A2, "A2-0001"),
        "b1": make_household(VILLAGE_B1, "B1-0001"),
    }


def xlsx_text(path) -> str:
    """Every XML part of the workbook, as text: what is not here is not in the file."""
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def xlsx_rows(path) -> list[list]:
    sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None)
    return [list(row) for row in sheet.to_polars().rows()]


def csv_rows(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def head_of(household) -> Member:
    return household.members.get(relation=Relation.HEAD)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_township_export_holds_nothing_of_another_township(personas, three_villages, fmt):
    job = exports.start_export(personas["carol"], "households", {}, fmt=fmt)
    assert job.status == Job.Status.SUCCEEDED
    path = exports.export_path(job)
    raw = xlsx_text(path) if fmt == "xlsx" else path.read_bytes().decode("utf-8-sig")
    for key in ("a1", "a2"):
        assert three_villages[key].number in raw
        assert head_of(three_villages[key]).name in raw
    b1 = three_villages["b1"]
    assert b1.number not in raw
    for member in b1.members.all():
        assert member.name not in raw
    assert job.total == 2


def test_village_filter_of_the_list_page_applies(personas, three_villages):
    job = exports.start_export(personas["carol"], "households", {"village": VILLAGE_A2, "page": "3"})
    rows = xlsx_rows(exports.export_path(job))
    assert rows[0][:5] == ["户编号", "户类型", "所属乡镇", "所属村", "户主姓名"]
    assert [r[0] for r in rows[1:]] == ["A2-0001"]


def test_a_village_outside_the_scope_gives_an_empty_file_not_the_other_village(personas, three_villages):
    job = exports.start_export(personas["carol"], "households", {"village": VILLAGE_B1})
    rows = xlsx_rows(exports.export_path(job))
    assert len(rows) == 1  # headers only


def test_id_and_phone_are_masked_by_default(personas, three_villages):
    job = exports.start_export(personas["erin"], "households", {}, fmt="csv")
    text = exports.export_path(job).read_text(encoding="utf-8-sig")
    head = head_of(three_villages["a1"])
    assert head.id_number not in text and head.phone not in text
    assert head.id_masked in text and head.phone_masked in text
    log = AccessLog.objects.get(object_id=str(job.pk))
    assert log.action == "export" and log.reason == "" and log.username == "erin"
    assert log.detail["rows"] == 3 and log.detail["export"] == "households"


def test_unmasked_export_needs_the_permission(personas, three_villages):
    with pytest.raises(PermissionDenied):
        exports.start_export(personas["carol"], "households", {}, reason="checking")
    assert not Job.objects.exists()


def test_unmasked_export_with_a_reason_has_the_numbers_and_is_logged(personas, three_villages):
    job = exports.start_export(personas["erin"], "households", {}, fmt="xlsx", reason="  county  verification ")
    raw = xlsx_text(exports.export_path(job))
    head = head_of(three_villages["b1"])
    assert head.id_number in raw and head.phone in raw
    log = AccessLog.objects.get(object_id=str(job.pk))
    assert log.action == "export_unmasked"
    assert log.reason == "county verification"
    assert set(log.fields.split(",")) == {"户主身份证号", "联系电话"}


def test_formula_looking_text_is_neutralised(personas, regions):
    household = make_household(VILLAGE_A1, "A1-0009", address='=HYPERLINK("http://x","y")')
    member = head_of(household)
    member.name = "+SUM(1,2)"
    member.save()
    for fmt in ("xlsx", "csv"):
        job = exports.start_export(personas["carol"], "households", {}, fmt=fmt)
        rows = xlsx_rows(exports.export_path(job)) if fmt == "xlsx" else csv_rows(exports.export_path(job))
        row = rows[1]
        assert row[4] == "'+SUM(1,2)"
        assert row[-1] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert "<f>" not in xlsx_text(exports.export_path(exports.start_export(personas["carol"], "households", {})))


def test_csv_starts_with_a_bom_and_chinese_headers(personas, three_villages):
    job = exports.start_export(personas["alice"], "households", {}, fmt="csv")
    rows = csv_rows(exports.export_path(job))
    assert rows[0][0] == "户编号" and "户主身份证号" in rows[0]
    assert [r[0] for r in rows[1:]] == ["A1-0001"]


def test_a_large_set_runs_as_a_job_through_the_same_code(personas, three_villages, settings,
                                                          django_capture_on_commit_callbacks):
    settings.SHOUWANG_EXPORT_SYNC_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):  # queued once the request commits
        job = exports.start_export(personas["erin"], "households", {})
    job.refresh_from_db()
    # The test settings run tasks immediately; the job is then finished with its file.
    assert job.status == Job.Status.SUCCEEDED and job.result["rows"] == 3
    assert AccessLog.objects.filter(action="export", object_id=str(job.pk)).count() == 1


def test_the_page_downloads_a_small_set_at_once(client, personas, three_villages):
    client.force_login(personas["carol"])
    url = reverse("supervision:export_start", args=["households"]) + f"?township={TOWNSHIP_A}"
    response = client.post(url, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf") and b"A1-0001" in body and b"B1-0001" not in body


def test_a_large_set_goes_to_the_progress_page_and_downloads(client, personas, three_villages, settings,
                                                             django_capture_on_commit_callbacks):
    settings.SHOUWANG_EXPORT_SYNC_ROWS = 0
    client.force_login(personas["carol"])
    with django_capture_on_commit_callbacks(execute=True):  # queued once the request commits
        response = client.post(reverse("supervision:export_start", args=["households"]), {"format": "xlsx"})
    job = Job.objects.get(kind="export")
    assert response.status_code == 302 and response.url == reverse("supervision:export_status", args=[job.pk])
    page = client.get(response.url)
    assert b"export-download" in page.content
    download = client.get(reverse("supervision:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_nobody_else_sees_or_downloads_an_export(client, personas, three_villages):
    job = exports.start_export(personas["carol"], "households", {})
    client.force_login(personas["dave"])
    assert client.get(reverse("supervision:export_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("supervision:export_download", args=[job.pk])).status_code == 404


def test_unmask_without_a_reason_is_refused_on_the_page(client, personas, three_villages):
    client.force_login(personas["erin"])
    response = client.post(reverse("supervision:export_start", args=["households"]), {"unmask": "1", "reason": " "})
    assert response.status_code == 302
    assert not Job.objects.exists()


def test_a_department_officer_may_not_export_households(client, personas, three_villages):
    client.force_login(personas["ivan"])
    response = client.post(reverse("supervision:export_start", args=["households"]), {"format": "csv"})
    assert response.status_code == 403


def test_the_warning_export_follows_the_queue_filters(personas, regions):
    from shouwang.monitoring.tests.warning_helpers import make_warning

    make_warning(VILLAGE_A1)
    make_warning(VILLAGE_B1)
    job = exports.start_export(personas["carol"], "warnings", {}, fmt="csv")
    rows = csv_rows(exports.export_path(job))
    assert rows[0][0] == "户编号" and len(rows) == 2
    assert rows[1][2]  # the village's name
    job = exports.start_export(personas["carol"], "warnings", {"status": "dismissed"}, fmt="csv")
    assert len(csv_rows(exports.export_path(job))) == 1


def test_registration_refuses_masked_columns_without_the_clear_flag():
    with pytest.raises(ValueError):
        exports.register_export("bad", title="bad", columns=["身份证号"], queryset_for=lambda u, p: [],
                                row=lambda obj: [obj], masked_columns=["身份证号"])


def test_the_export_form_offers_full_numbers_only_to_who_may_unmask(client, personas, three_villages):
    url = reverse("supervision:export_start", args=["households"]) + f"?township={TOWNSHIP_A}"
    client.force_login(personas["erin"])
    page = client.get(url).content.decode()
    assert 'name="reason"' in page and "township" in page
    client.force_login(personas["carol"])
    page = client.get(url).content.decode()
    assert 'name="reason"' not in page and "masked" in page


def test_every_registered_list_exports_for_a_county_officer(personas, three_villages):
    """No registered list breaks on an ordinary user (E's and F's included)."""
    for spec in exports.exports_for(personas["erin"]):
        job = exports.start_export(personas["erin"], spec.name, {}, fmt="csv")
        assert job.status == Job.Status.SUCCEEDED, spec.name
        header = exports.export_path(job).read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.split(",")[0] == spec.columns[0], spec.name


def test_self_reports_are_masked_unless_cleared(personas, regions):
    from shouwang.core.idnumbers import parse_id_number
    from shouwang.monitoring.models import SelfReport
    from shouwang.registry.demo.synthetic import make_id_number

    number = make_id_number("433122", __import__("datetime").date(1980, 5, 6), 4242)
    report = SelfReport(village_id=VILLAGE_A1, name="申报人", risk_type="YB", description="看病")
    report.set_id(parse_id_number(number))
    report.set_phone("13912345678")
    report.save()
    masked = exports.start_export(personas["erin"], "self_reports", {}, fmt="csv")
    text = exports.export_path(masked).read_text(encoding="utf-8-sig")
    assert "申报人" in text and number not in text and "13912345678" not in text
    clear = exports.start_export(personas["erin"], "self_reports", {}, fmt="csv", reason="核实申报")
    text = exports.export_path(clear).read_text(encoding="utf-8-sig")
    assert number in text and "13912345678" in text
    assert AccessLog.objects.filter(action="export_unmasked", reason="核实申报").count() == 1


def test_cases_and_measures_exports_follow_scope_and_mask(personas, regions):
    from shouwang.cases.models import CaseStatus
    from shouwang.cases.tests.factories import make_case, make_measure

    a = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED)
    b = make_case(village=VILLAGE_B1, status=CaseStatus.MONITORED)
    make_measure(a, "industry")
    make_measure(b, "health")
    job = exports.start_export(personas["carol"], "cases", {}, fmt="csv")
    text = exports.export_path(job).read_text(encoding="utf-8-sig")
    assert a.household.number in text and b.household.number not in text
    head = head_of(a.household)
    assert head.id_masked in text and head.id_number not in text
    job = exports.start_export(personas["carol"], "measures", {}, fmt="csv")
    rows = csv_rows(exports.export_path(job))
    assert [r[0] for r in rows[1:]] == [a.household.number]
    assert rows[1][3] == "产业帮扶"
