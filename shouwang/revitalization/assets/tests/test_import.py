"""The asset ledger import: a template that reads back, a check that names every problem, a commit of
all rows or none, in the importer's region only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.registry.tests.factories import make_household
from shouwang.revitalization.assets.importer import SPEC, AssetImport, build_template
from shouwang.revitalization.assets.models import Asset
from shouwang.revitalization.projects.models import Project

from .factories import make_asset

pytestmark = pytest.mark.django_db
HEADER = ",".join(c.label for c in SPEC.columns)


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_the_template_reads_back_and_only_its_example_household_is_unknown(personas):
    report = AssetImport(personas["carol"]).run(build_template(), "template.xlsx", commit=False)
    assert report.total == 3
    assert [(i.column, i.value) for i in report.errors] == [("受益户编号", "D433122102201000001")]


def test_a_clean_file_is_checked_then_committed(personas):
    household = make_household(VILLAGE_A2)
    project = Project.objects.create(year=2024, name="冷库", village_id=VILLAGE_A1, goal="industry",
                                     category="industry")
    data = _csv(
        f"ZC-1,果蔬冷库,经营性,{VILLAGE_A1},{project.pk},冷链,1座,2024,450000,村集体,合作社,2024-12-01,,",
        f"GY-1,通组公路,公益性资产,{VILLAGE_A2},,道路,3公里,2019,\"600,000\",村委会,村委会,2019/11/30,,",
        f"DH-1,能繁母牛,到户类,{VILLAGE_A2},,牲畜,2头,2023,16000,户主,,,{household.number},",
    )
    importer = AssetImport(personas["carol"])
    checked = importer.run(data, "assets.csv", commit=False)
    assert (checked.total, checked.accepted, checked.ok, checked.committed) == (3, 3, True, False)
    assert not Asset.objects.exists()
    report = AssetImport(personas["carol"]).run(data, "assets.csv", commit=True)
    assert report.committed and report.created == 3
    assets = {a.number: a for a in Asset.objects.all()}
    assert assets["ZC-1"].project == project and assets["ZC-1"].region_code == VILLAGE_A1
    assert assets["GY-1"].value == Decimal("600000") and assets["GY-1"].handover_date.isoformat() == "2019-11-30"
    assert assets["DH-1"].household == household and assets["DH-1"].asset_class == "household"
    assert ChangeLog.objects.filter(object_type="revitalization.asset").count() == 3


def test_every_problem_is_reported_and_nothing_is_written(personas):
    make_asset(VILLAGE_A1, number="OLD-1")
    outside = make_household(VILLAGE_B1)
    data = _csv(
        f"OLD-1,重复,经营性,{VILLAGE_A1},,,,,1000,村集体,,,,",  # already recorded
        f"N-1,越界,经营性,{VILLAGE_B1},,,,,1000,村集体,,,,",  # another township
        f"N-2,类别错,经营类,{VILLAGE_A1},,,,,1000,村集体,,,,",  # unknown class
        f"N-3,无项目,经营性,{VILLAGE_A1},99999,,,,abc,村集体,,,,",  # no such project, bad amount
        f"N-4,户错,公益性,{VILLAGE_A1},,,,,1000,村集体,,,{outside.number},",  # household elsewhere
        f"N-5,好的,公益性,{VILLAGE_A1},,,,,1000,村集体,,,,",
        f"N-5,又一次,公益性,{VILLAGE_A1},,,,,1000,村集体,,,,",  # twice in the file
    )
    report = AssetImport(personas["carol"]).run(data, "assets.csv", commit=True)
    assert not report.committed and Asset.objects.count() == 1
    assert (report.total, report.accepted, report.rejected) == (7, 1, 6)
    problems = sorted((i.row, i.column) for i in report.errors)
    assert problems == [(2, "资产编号"), (3, "所在区划代码"), (4, "资产类别"), (5, "来源项目编号"),
                        (5, "资产原值（元）"), (6, "受益户编号"), (8, "资产编号")]


def test_only_township_and_county_import(personas, client):
    with pytest.raises(PermissionDenied):
        AssetImport(personas["alice"])
    client.force_login(personas["alice"])
    assert client.get(reverse("revitalization:asset_import")).status_code == 403
    client.force_login(personas["carol"])
    assert client.get(reverse("revitalization:asset_import_template")).status_code == 200
    upload = SimpleUploadedFile("assets.csv", _csv(f"P-1,页面导入,公益性,{VILLAGE_A1},,,,,1000,村集体,,,,"))
    response = client.post(reverse("revitalization:asset_import"), {"file": upload, "mode": "commit"})
    assert response.status_code == 200 and response.context["report"].committed
    assert Asset.objects.filter(number="P-1").exists()
