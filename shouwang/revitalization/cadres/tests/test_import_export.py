"""The register's spreadsheet import (check, then commit; template) and its exports (same filter and
scope as the page, numbers masked)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog, Job
from shouwang.registry.demo.synthetic import make_id_number

from ..importer import CadreImport, build_template
from ..models import Cadre, CadreKind
from .factories import make_cadre

pytestmark = pytest.mark.django_db

HEADER = "类别,姓名,身份证号,联系电话,区划代码,所在乡镇,所在村,派出单位/工作单位,职务,人才类型,任期开始,任期结束,备注\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def _id(seq: int) -> str:
    return make_id_number("433122", date(1980, 5, 6), seq)


def test_check_reports_each_bad_row_and_writes_nothing(personas):
    data = _csv(
        f"驻村第一书记,甲书记,{_id(1)},13800001111,{VILLAGE_A1},,,县委组织部,第一书记,,2024-06-01,,",
        f"驻村第一书记,乙书记,{_id(2)},,{VILLAGE_A1},,,县委组织部,,,,,",  # no term start
        f"帮扶责任人,丙,43312219800506001X,,{VILLAGE_A1},,,,,,,,",  # bad check digit
        f"乡土人才,丁,,,{VILLAGE_A1},,,,,,,,",  # no talent type
        f"帮扶责任人,戊,,,{VILLAGE_B1},,,,,,,,",  # outside the township officer's region
        "村干部,己,,,,,不存在村,,,,,,",
    )
    report = CadreImport(personas["carol"]).run_file(data, "register.csv", commit=False)
    assert (report.total, report.accepted, report.rejected) == (6, 1, 5)
    assert {i.row for i in report.errors} == {3, 4, 5, 6, 7}
    assert not report.committed and not Cadre.objects.exists()


def test_commit_creates_then_updates_by_id_and_kind_and_keeps_provenance(personas):
    first = _csv(f"驻村第一书记,甲书记,{_id(3)},13800001111,,,{_village_name(VILLAGE_A2)},县委组织部,第一书记,,"
                 "2024-06-01,2026-05-31,",
                 f"乡土人才,返乡青年,{_id(4)},,{VILLAGE_A1},,,,合作社理事长,返乡创业人员,,,")
    report = CadreImport(personas["carol"]).run_file(first, "register.csv", commit=True)
    assert report.ok and report.committed and report.created == 2
    secretary = Cadre.objects.get(name="甲书记")
    assert (secretary.kind, secretary.region_code, secretary.term_start) == (
        CadreKind.FIRST_SECRETARY, VILLAGE_A2, date(2024, 6, 1))
    assert secretary.phone == "13800001111" and secretary.import_row == 2 and secretary.import_batch
    again = _csv(f"驻村第一书记,甲书记,{_id(3)},13800001111,,,{_village_name(VILLAGE_A2)},县财政局,第一书记,,"
                 "2024-06-01,2026-05-31,",
                 f"乡土人才,返乡青年,{_id(4)},,{VILLAGE_A1},,,,合作社理事长,返乡创业人员,,,")
    report = CadreImport(personas["carol"]).run_file(again, "register.csv", commit=True)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Cadre.objects.count() == 2 and Cadre.objects.get(name="甲书记").unit == "县财政局"
    assert ChangeLog.objects.filter(object_type="revitalization.cadre").count() == 3


def _village_name(code: str) -> str:
    from shouwang.regions.models import Region

    return Region.objects.get(code=code).name


def test_the_template_is_read_back_by_the_import(personas):
    report = CadreImport(personas["carol"]).run_file(build_template(), "template.xlsx", commit=False)
    assert report.total == 3
    assert {i.code for i in report.errors} == {"unknown_village"}  # its example village is not in the county


def test_the_import_pages_check_then_commit(client, personas, settings, tmp_path,
                                            django_capture_on_commit_callbacks):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    client.force_login(personas["carol"])
    assert client.get(reverse("revitalization:cadre_import_template")).status_code == 200
    data = _csv(f"帮扶责任人,页面导入,{_id(5)},13900002222,{VILLAGE_A1},,,县教育局,,,,,")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("revitalization:cadre_import"),
                               {"file": SimpleUploadedFile("r.csv", data), "mode": "validate"})
    assert response.status_code == 302
    job = Job.objects.get(kind="revitalization_cadre_import")
    status = client.get(reverse("revitalization:cadre_import_status", args=[job.pk]))
    assert status.status_code == 200 and status.context["report"].accepted == 1
    assert "13900002222" not in status.content.decode()
    assert not Cadre.objects.exists() and not list(settings.UPLOAD_ROOT.iterdir())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("revitalization:cadre_import"),
                    {"file": SimpleUploadedFile("r.csv", data), "mode": "commit"})
    assert Cadre.objects.get().name == "页面导入"
    client.force_login(personas["erin"])  # another user's job is not found
    assert client.get(reverse("revitalization:cadre_import_status", args=[job.pk])).status_code == 404
    client.force_login(personas["alice"])  # a village cadre does not import
    assert client.get(reverse("revitalization:cadre_import")).status_code == 403


def test_export_has_the_page_rows_with_numbers_masked(personas, list_rows):
    make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, name="甲", seq=6, phone="13700003333")
    make_cadre(CadreKind.TALENT, village=VILLAGE_A1, name="乙", seq=7, talent_type="veteran")
    make_cadre(CadreKind.CONTACT, village=VILLAGE_B1, name="丙", seq=8)
    carol = personas["carol"]
    url = reverse("revitalization:cadre_list")
    for params in ({}, {"kind": "contact"}):
        page = list_rows.page(carol, url, params, key=lambda c: c.name)
        assert list_rows.export(carol, "revitalization_cadres", params, column="姓名") == page
        assert list_rows.api(carol, "/api/revitalization/cadres/", params, key="name") == page
    phones = list_rows.export(carol, "revitalization_cadres", {"kind": "contact"}, column="联系电话")
    assert phones == ["137****3333"]
