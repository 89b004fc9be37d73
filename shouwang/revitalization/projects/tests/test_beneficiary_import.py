"""The spreadsheet import of the households a project reaches (联农带农): template, checks, commit."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import COUNTY, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.tests.factories import make_case
from shouwang.core.exports import write_xlsx
from shouwang.core.idnumbers import parse_id_number
from shouwang.core.models import ChangeLog
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import Relation
from shouwang.registry.tests.factories import make_household
from shouwang.revitalization.projects import services as service
from shouwang.revitalization.projects.beneficiary_import import SPEC, BeneficiaryImport, build_template
from shouwang.revitalization.projects.models import Beneficiary

from .test_projects import YEAR, approved

pytestmark = pytest.mark.django_db
LABELS = [c.label for c in SPEC.columns]


def _file(rows: list[list[str]], name: str = "households.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    write_xlsx(buffer, LABELS, rows, sheet_name="联农带农")
    return SimpleUploadedFile(name, buffer.getvalue())


def _row(household="", kind="务工就业", amount="12000", id_number="", note="") -> list[str]:
    return [household, id_number, kind, amount, note]


def _head_id(household) -> str:
    """A fresh valid ID number given to the household's head (the factory's are not kept in clear)."""
    number = make_id_number("433122", date(1970, 5, 6), 700 + household.pk % 200)
    head = household.members.get(relation=Relation.HEAD)
    head.set_id(parse_id_number(number))
    head.save()
    return number


def _post(client, project, upload, mode="validate"):
    url = reverse("revitalization:project_beneficiary_import", args=[project.pk])
    upload.seek(0)
    return client.post(url, {"file": upload, "mode": mode})


def test_the_template_reads_back_without_problems(client, personas):
    project = approved(personas)
    client.force_login(personas["alice"])
    empty = client.get(reverse("revitalization:project_beneficiary_template", args=[project.pk]))
    assert empty.status_code == 200 and empty.content[:2] == b"PK"
    assert empty["Content-Disposition"].startswith("attachment")
    report = BeneficiaryImport(project, personas["alice"]).run(empty.content, "t.xlsx", commit=True)
    assert report.ok and not report.errors and report.total == 0 and not report.created

    # With households already recorded, the template lists them; reading it back changes nothing.
    own = make_household(VILLAGE_A1)
    service.add_beneficiary(project, personas["alice"], household=own, kind="land_rent", amount="800.5",
                            note="流转3亩")
    template = build_template(project, personas["alice"])
    report = BeneficiaryImport(project, personas["alice"]).run(template, "t.xlsx", commit=True)
    assert report.ok and report.issues == [], report.issues
    assert (report.total, report.created, report.updated, report.unchanged) == (1, 0, 0, 1)
    assert Beneficiary.objects.count() == 1


def test_each_kind_of_wrong_row_is_reported_and_nothing_written(client, personas):
    project = approved(personas)
    own = make_household(VILLAGE_A1)
    other_village = make_household(VILLAGE_B1)  # outside the village cadre's region
    own_id = _head_id(own)
    client.force_login(personas["alice"])
    bad = _file([
        _row("HH-NOBODY"),                                   # 2: unknown household
        _row(other_village.number),                          # 3: outside the region
        _row(own.number, kind="发补贴"),                      # 4: unknown benefit kind
        _row(own.number, kind="入股分红", amount="abc"),       # 5: bad amount
        _row(own.number, kind="生产服务", amount="1e3"),       # 6: not an amount
        _row(own.number),                                    # 7: good
        _row(id_number=own_id),                              # 8: the same household and kind (by ID)
        _row(id_number="433122197001010000"),                # 9: not a valid ID number
        _row(),                                              # 10: no household at all
    ])
    response = _post(client, project, bad, mode="commit")
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total, report.accepted, report.rejected, report.committed) == (9, 1, 8, False)
    assert {(i.row, i.column, i.code) for i in report.errors} == {
        (2, "户编号", "unknown_household"), (3, "户编号", "outside_region"), (4, "带农方式", "unknown_choice"),
        (5, "每户金额（元）", "not_a_number"), (6, "每户金额（元）", "not_a_number"), (8, "带农方式", "duplicate"),
        (9, "户主身份证号", "bad_id"), (10, "户编号", "no_household"),
    }
    assert all("433122197001" not in i.value for i in report.errors)  # ID numbers are masked
    assert not Beneficiary.objects.exists()
    assert not ChangeLog.objects.filter(object_type="revitalization.beneficiary").exists()


def test_a_household_number_and_an_id_number_of_different_households_are_reported(personas):
    project = approved(personas)
    own, second = make_household(VILLAGE_A1), make_household(VILLAGE_A2)
    second_id = _head_id(second)
    upload = _file([_row(own.number, id_number=second_id),
                    _row(second.number, id_number=second_id, amount="99999999999999")])
    report = BeneficiaryImport(project, personas["erin"]).run(upload.read(), "h.xlsx", commit=True)
    assert {(i.row, i.code) for i in report.errors} == {(2, "mismatch"), (3, "out_of_range")}
    assert not Beneficiary.objects.exists()


def test_a_correct_file_adds_its_households_and_the_figures_count_them(client, personas):
    project = approved(personas)
    first, second, third = (make_household(VILLAGE_A1) for _ in range(3))
    make_case(second, village=VILLAGE_A1)  # a monitored household (an open case)
    third_id = _head_id(third)
    client.force_login(personas["alice"])
    good = _file([
        _row(first.number, "务工就业", "12,000"),
        _row(first.number, "入股分红", "800"),  # the same household, another way: a second row
        _row(second.number, "土地流转", "1500元", note="流转2亩"),
        _row(id_number=third_id, kind="订单收购", amount=""),
    ])
    checked = _post(client, project, good).context["report"]
    assert checked.ok and checked.accepted == 4 and not checked.committed
    assert not Beneficiary.objects.exists()  # validate writes nothing

    report = _post(client, project, good, mode="commit").context["report"]
    assert report.committed and (report.created, report.updated, report.unchanged) == (4, 0, 0)
    rows = {(b.household_id, b.kind): (b.amount, b.note) for b in Beneficiary.objects.filter(project=project)}
    assert rows == {
        (first.pk, "jobs"): (Decimal("12000"), ""), (first.pk, "dividend"): (Decimal("800"), ""),
        (second.pk, "land_rent"): (Decimal("1500"), "流转2亩"), (third.pk, "purchase"): (Decimal("0"), ""),
    }
    assert ChangeLog.objects.filter(object_type="revitalization.beneficiary", action="create").count() == 4
    figures = service.figures(COUNTY, YEAR)
    assert (figures.households, figures.monitored_households) == (3, 1)

    # The same file again adds nothing and writes nothing.
    again = _post(client, project, good, mode="commit").context["report"]
    assert again.committed and (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert Beneficiary.objects.count() == 4
    assert ChangeLog.objects.filter(object_type="revitalization.beneficiary").count() == 4

    # A changed amount updates the recorded row, with a change-log entry.
    changed = _file([_row(first.number, "务工就业", "13000")])
    report = _post(client, project, changed, mode="commit").context["report"]
    assert (report.created, report.updated) == (0, 1)
    assert Beneficiary.objects.get(household=first, kind="jobs").amount == Decimal("13000")
    assert ChangeLog.objects.filter(object_type="revitalization.beneficiary", action="update").count() == 1


def test_who_may_import(client, personas):
    project = approved(personas)
    with pytest.raises(PermissionDenied):  # a village cadre of another township
        BeneficiaryImport(project, personas["judy"])
    client.force_login(personas["judy"])
    url = reverse("revitalization:project_beneficiary_import", args=[project.pk])
    assert client.get(url).status_code == 404  # the project lies outside her region
    client.force_login(personas["alice"])
    page = client.get(reverse("revitalization:project_detail", args=[project.pk]))
    assert url in page.content.decode()
    assert client.get(url).status_code == 200
    rejected = service.propose(personas["alice"], village=VILLAGE_A1, year=YEAR, name="被退回", goal="industry",
                               category="industry")
    service.act(rejected, personas["carol"], "review", passed=False, reason="重复申报")
    response = client.get(reverse("revitalization:project_beneficiary_import", args=[rejected.pk]))
    assert response.status_code == 409


def test_an_id_number_stored_as_a_number_is_reported_as_such(personas):
    project = approved(personas)
    number = _head_id(make_household(VILLAGE_A1))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("联农带农")
    for col, label in enumerate(LABELS):
        sheet.write_string(0, col, label)
    sheet.write_number(1, 1, float(number.replace("X", "0")))  # Excel keeps 15 significant digits (no X)
    sheet.write_string(1, 2, "务工就业")
    book.close()
    report = BeneficiaryImport(project, personas["alice"]).run(buffer.getvalue(), "h.xlsx", commit=True)
    assert [(i.row, i.code) for i in report.errors] == [(2, "id_as_number")]
    assert not Beneficiary.objects.exists()
