"""The village profiles import: a template that reads back, a check that names every problem, a commit
of all rows or none through the service (logged), a second identical import that changes nothing, in
the importer's region only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.revitalization.villages.importer import SPEC, VillageProfileImport, build_template
from shouwang.revitalization.villages.models import VillageProfile, WeakSetting

pytestmark = pytest.mark.django_db
HEADER = ",".join(c.label for c in SPEC.columns)
# 所在乡镇,村名称,村代码,年度,脱贫村,软弱涣散村,集体经济薄弱村,村集体经济收入（元）,
# 通硬化路,通自来水,通宽带,标准化卫生室,小学或教学点,备注
CLEAN = (
    f"达岚镇,六里村,{VILLAGE_A1},2025,是,否,,85000,是,是,是,是,否,",
    "达岚镇,覃木阳村,,2025年,否,是,否,\"126,000.50\",是,否,否,是,是,村部新建",
)


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _log():
    return ChangeLog.objects.filter(object_type="revitalization.villageprofile")


def test_the_template_reads_back_without_a_problem(personas):
    report = VillageProfileImport(personas["carol"]).run(build_template(), "template.xlsx", commit=False)
    assert (report.total, report.accepted, report.errors) == (2, 2, [])
    assert not VillageProfile.objects.exists()


def test_a_clean_file_is_checked_then_committed_and_a_second_import_changes_nothing(personas):
    checked = VillageProfileImport(personas["carol"]).run(_csv(*CLEAN), "villages.csv", commit=False)
    assert (checked.total, checked.accepted, checked.ok, checked.committed) == (2, 2, True, False)
    assert not VillageProfile.objects.exists() and not _log().exists()

    report = VillageProfileImport(personas["carol"]).run(_csv(*CLEAN), "villages.csv", commit=True)
    assert report.committed and (report.created, report.updated, report.unchanged) == (2, 0, 0)
    a1 = VillageProfile.objects.get(village_id=VILLAGE_A1, year=2025)
    a2 = VillageProfile.objects.get(village_id=VILLAGE_A2, year=2025)
    assert (a1.ex_poor, a1.slack, a1.weak_setting, a1.collective_income) == (True, False, WeakSetting.DERIVED,
                                                                              Decimal("85000"))
    assert (a1.hardened_road, a1.tap_water, a1.broadband, a1.clinic, a1.school) == (True, True, True, True, False)
    assert (a2.slack, a2.weak_setting, a2.collective_income, a2.note) == (True, WeakSetting.NOT_WEAK,
                                                                          Decimal("126000.50"), "村部新建")
    assert VillageProfile.objects.filter(year=2025).with_weak().get(village_id=VILLAGE_A1).is_weak  # 85,000 < 100,000
    assert sorted(_log().values_list("action", "object_id")) == [("create", str(a1.pk)), ("create", str(a2.pk))]

    again = VillageProfileImport(personas["carol"]).run(_csv(*CLEAN), "villages.csv", commit=True)
    assert again.committed and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _log().count() == 2


def test_a_changed_row_updates_only_what_changed(personas):
    VillageProfileImport(personas["carol"]).run(_csv(*CLEAN), "villages.csv", commit=True)
    changed = f"达岚镇,六里村,{VILLAGE_A1},2025,是,否,是,120000,是,是,是,是,是,"
    report = VillageProfileImport(personas["erin"]).run(_csv(changed, CLEAN[1]), "villages.csv", commit=True)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    a1 = VillageProfile.objects.get(village_id=VILLAGE_A1, year=2025)
    assert (a1.weak_setting, a1.collective_income, a1.school) == (WeakSetting.WEAK, Decimal("120000"), True)
    entry = _log().get(action="update")
    assert entry.object_id == str(a1.pk)
    assert set(entry.before) == {"weak_setting", "collective_income", "school"}
    assert entry.after == {"year": 2025, "weak_setting": "weak", "collective_income": "120000.00", "school": True}


def test_blank_cells_keep_the_recorded_values_but_a_blank_weak_cell_derives(personas):
    VillageProfile.objects.create(village_id=VILLAGE_A1, year=2025, ex_poor=True, weak_setting=WeakSetting.WEAK,
                                  collective_income=Decimal("50000"), note="旧备注")
    report = VillageProfileImport(personas["carol"]).run(_csv(f",,{VILLAGE_A1},2025,,,,,是,,,,,"), "v.csv",
                                                         commit=True)
    assert report.committed and report.updated == 1
    a1 = VillageProfile.objects.get(village_id=VILLAGE_A1, year=2025)
    assert (a1.ex_poor, a1.weak_setting, a1.collective_income, a1.note, a1.hardened_road) == (
        True, WeakSetting.DERIVED, Decimal("50000"), "旧备注", True)


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_written(personas):
    data = _csv(
        f"达岚镇,六里村,{VILLAGE_A1},2025,是,否,,85000,是,是,是,是,否,",  # good
        ",,433122102999,2025,是,否,,1000,是,是,是,是,是,",  # unknown village code
        ",不存在村,,2025,是,否,,1000,是,是,是,是,是,",  # unknown village name
        f",,{VILLAGE_B1},2025,是,否,,1000,是,是,是,是,是,",  # another township's village
        ",都里坪村,,2025,是,否,,1000,是,是,是,是,是,",  # another township's village, by name
        f",,{VILLAGE_A2},二〇二五,是,否,,1000,是,是,是,是,是,",  # bad year
        f",,{VILLAGE_A2},1999,是,否,,1000,是,是,是,是,是,",  # year out of range
        f",,{VILLAGE_A2},2024,是,否,,一万,是,是,是,是,是,",  # bad number
        f",,{VILLAGE_A2},2023,是,否,,-5,是,是,是,是,是,",  # negative amount
        f",,{VILLAGE_A2},2022,也许,否,大概,1000,是,是,是,是,是,",  # bad yes/no (two cells)
        f",覃木阳村,{VILLAGE_A1},2021,是,否,,1000,是,是,是,是,是,",  # name does not match the code
        f",,{VILLAGE_A1},2025,是,否,,1000,是,是,是,是,是,",  # the same village and year again
        ",,,2020,是,否,,1000,是,是,是,是,是,",  # no village at all
    )
    report = VillageProfileImport(personas["carol"]).run(data, "villages.csv", commit=True)
    assert not report.committed and not VillageProfile.objects.exists() and not _log().exists()
    assert (report.total, report.accepted, report.rejected) == (13, 1, 12)
    problems = sorted((i.row, i.column, i.code) for i in report.errors)
    assert problems == [
        (3, "村代码", "unknown_village"),
        (4, "村名称", "unknown_village"),
        (5, "村代码", "outside_region"),
        (6, "村名称", "unknown_village"),
        (7, "年度", "not_a_year"),
        (8, "年度", "not_a_year"),
        (9, "村集体经济收入（元）", "not_a_number"),
        (10, "村集体经济收入（元）", "negative"),
        (11, "脱贫村", "not_a_boolean"),
        (11, "集体经济薄弱村", "not_a_boolean"),
        (12, "村名称", "name_mismatch"),
        (13, "村代码", "duplicate"),
        (14, "村代码", "required"),
    ]


def test_the_county_officer_imports_villages_of_every_township(personas):
    data = _csv(f",,{VILLAGE_A1},2025,是,,,,,,,,,", f",,{VILLAGE_B1},2025,,是,,,,,,,,")
    report = VillageProfileImport(personas["erin"]).run(data, "villages.csv", commit=True)
    assert report.committed and report.created == 2
    outside = VillageProfileImport(personas["dave"]).run(data, "villages.csv", commit=False)
    assert [(i.row, i.code) for i in outside.errors] == [(2, "outside_region")]


def test_only_township_and_county_import_and_the_list_links_the_page(personas, client):
    with pytest.raises(PermissionDenied):
        VillageProfileImport(personas["alice"])
    client.force_login(personas["alice"])
    assert client.get(reverse("revitalization:village_import")).status_code == 403
    assert client.get(reverse("revitalization:village_import_template")).status_code == 403
    assert b"village-import-link" not in client.get(reverse("revitalization:village_list")).content
    client.force_login(personas["carol"])
    assert b"village-import-link" in client.get(reverse("revitalization:village_list")).content
    template = client.get(reverse("revitalization:village_import_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    upload = SimpleUploadedFile("villages.csv", _csv(*CLEAN))
    response = client.post(reverse("revitalization:village_import"), {"file": upload, "mode": "commit"})
    assert response.status_code == 200 and response.context["report"].committed
    assert VillageProfile.objects.filter(year=2025).count() == 2
    page = client.get(reverse("revitalization:village_import"))
    assert page.status_code == 200 and b"village-import" in page.content
