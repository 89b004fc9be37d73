from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from shouwang.core.models import AccessLog, ChangeLog
from shouwang.regions.models import Region
from shouwang.registry.imports.importer import import_registry
from shouwang.registry.imports.template import INCOME_HEADERS, MEMBER_HEADERS
from shouwang.registry.imports.tests.registry_files import (
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    csv_bytes,
    household,
    person_id,
    write_xlsx,
    year,
)
from shouwang.registry.models import Household, HouseholdYear, Member
from shouwang.registry.tests.factories import make_household

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def run(tmp_path, members, years=None, *, commit=True, user=None, name="registry.xlsx", **kwargs):
    path = write_xlsx(tmp_path / name, members, years, **kwargs)
    return import_registry([(path, name)], commit=commit, user=user)


def lines(report):
    return sorted((i.sheet, i.row, i.column, i.code) for i in report.errors)


def good_file():
    members = household("H0001", 1) + household("H0002", 10, size=2, 村代码=VILLAGE_A2)
    years = [year("H0001"), year("H0002", 工资性收入="12,000元")]
    return members, years


# --- the acceptance scenario -------------------------------------------------------------------


def test_bad_rows_give_one_line_each_and_nothing_is_committed_then_the_corrected_file_imports_once(
    regions, tmp_path
):
    members = (
        household("H0001", 1)
        + household("H0002", 10, size=2)
        + household("H0003", 20)
        + household("H0004", 30, size=2)
    )
    wrong_check_digit = members[1]["证件号码"][:17] + ("1" if members[1]["证件号码"][17] == "0" else "0")
    members[1]["证件号码"] = wrong_check_digit  # row 4 (title row 1, header row 2)
    members[3]["证件号码"] = int(members[3]["证件号码"])  # row 6: the ID arrived as a number cell
    members[5]["村代码"] = "433122102999"  # row 8: no such village
    members[9]["证件号码"] = members[6]["证件号码"]  # rows 9 and 12: one person, two households
    years = [year("H0001"), year("H0002"), year("H0003", 财产性收入="两千"), year("H0004")]  # 收支情况 row 5

    report = run(tmp_path, members, years, title="泸溪县2024年农户信息采集表")

    assert lines(report) == [
        ("家庭成员", 4, "证件号码", "bad_checksum"),
        ("家庭成员", 6, "证件号码", "numeric_cell"),
        ("家庭成员", 8, "村代码", "unknown_village_code"),
        ("家庭成员", 9, "证件号码", "duplicate_id_file"),
        ("家庭成员", 12, "证件号码", "duplicate_id_file"),
        ("收支情况", 5, "财产性收入", "not_a_number"),
    ]
    reasons = {i.code: i.reason for i in report.errors}
    assert "format the column as text" in reasons["numeric_cell"]
    assert "两千" in reasons["not_a_number"]
    assert "H0004" in [i.reason for i in report.errors if i.row == 9][0]
    assert not report.committed
    assert Household.objects.count() == Member.objects.count() == HouseholdYear.objects.count() == 0
    assert report.total == 10 + 4 and report.accepted + report.rejected == report.total

    members, years = good_file()
    first = run(tmp_path, members, years, name="fixed.xlsx")
    assert first.committed and first.errors == []
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count()) == (2, 5, 2)

    again = run(tmp_path, members, years, name="fixed.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.details["members"] == {"created": 0, "updated": 0, "unchanged": 5}
    assert again.details["years"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_committed_values_are_mapped_to_the_model(regions, tmp_path):
    members, years = good_file()
    members[1].update(
        {
            "健康状况": "患有大病",
            "劳动技能": "弱劳动力或半劳动力",
            "务工所在地": "浙江省宁波市",
            "务工时长(月)": "１０",
            "享受低保": "Y",
            "参加基本医疗保险": "否",
        }
    )
    years[0].update(
        {"转移性收入": "１，５００．５", "住房安全等级": "C级", "饮水安全": "0", "义务教育辍学": "√"}
    )
    report = run(tmp_path, members, years)
    assert report.committed
    h = Household.objects.get(number="H0001")
    assert (h.village_id, h.region_code, h.household_type, h.import_batch) == (
        VILLAGE_A1,
        VILLAGE_A1,
        "ordinary",
        report.batch,
    )
    spouse = Member.objects.get(household=h, relation="spouse")
    assert (
        spouse.health,
        spouse.labour,
        spouse.work_location,
        spouse.work_months,
        spouse.dibao,
        spouse.medical_insured,
    ) == ("serious", "weak", "浙江省宁波市", 10, True, False)
    assert spouse.id_number == members[1]["证件号码"]  # decrypts back
    assert spouse.id_masked == members[1]["证件号码"][:6] + "********" + members[1]["证件号码"][-4:]
    assert spouse.phone == members[1]["联系电话"] and spouse.phone_masked.startswith("138****")
    assert spouse.sex == ("F" if int(members[1]["证件号码"][16]) % 2 == 0 else "M")
    y = HouseholdYear.objects.get(household=h, year=2024)
    assert y.member_count == 3
    assert (y.transfer_income, y.housing_grade, y.water_secured, y.dropout, y.uninsured_member) == (
        Decimal("1500.50"),
        "C",
        False,
        True,
        True,
    )
    assert y.wage_income == Decimal("20000.00")
    assert HouseholdYear.objects.get(household__number="H0002").wage_income == Decimal("12000.00")


def test_reimport_with_a_change_updates_only_what_changed_and_logs_masked_snapshots(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members, years)
    members[2]["联系电话"] = "13912345678"
    years[1]["工资性收入"] = "15000"
    report = run(tmp_path, members, years, name="v2.xlsx")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    assert report.details["members"] == {"created": 0, "updated": 1, "unchanged": 4}
    assert report.details["years"] == {"created": 0, "updated": 1, "unchanged": 1}
    son = Member.objects.get(name=members[2]["姓名"])
    assert son.phone == "13912345678" and son.phone_masked == "139****5678"
    entry = ChangeLog.objects.filter(action="update", object_type="registry.member").get()
    assert entry.before["phone_masked"] == "138****0003" and entry.after["phone_masked"] == "139****5678"
    assert HouseholdYear.objects.get(household__number="H0002").wage_income == Decimal("15000.00")


def test_unchanged_encrypted_values_are_not_rewritten(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members, years)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, phone FROM registry_member ORDER BY id")
        before = cursor.fetchall()
    run(tmp_path, members, years)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, phone FROM registry_member ORDER BY id")
        assert cursor.fetchall() == before  # same ciphertext: nothing re-encrypted


def test_no_plaintext_id_or_phone_in_the_database_or_the_logs(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members, years)
    members[0]["联系电话"] = "13700001111"
    run(tmp_path, members, years)
    secrets = [m["证件号码"] for m in members] + [m["联系电话"] for m in members] + ["13700001111"]
    dumped = []
    with connection.cursor() as cursor:
        for table in ("registry_member", "core_changelog", "core_accesslog", "registry_household"):
            cursor.execute(f"SELECT * FROM {table}")
            dumped.append(json.dumps(cursor.fetchall(), ensure_ascii=False, default=str))
    text = "\n".join(dumped)
    for secret in secrets:
        assert secret not in text
    # one entry per new household, its members and years in its snapshot
    created = ChangeLog.objects.filter(action="create")
    assert created.count() == 2 and set(created.values_list("object_type", flat=True)) == {"registry.household"}
    assert sorted(len(e.after["members"]) for e in created) == [2, 3]
    assert all(len(e.after["years"]) == 1 for e in created)
    assert ChangeLog.objects.filter(action="update").count() == 1
    assert AccessLog.objects.filter(action="import").count() == 2


def test_bulk_writes_never_call_save(regions, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("save() called")

    for model in (Household, Member, HouseholdYear):
        monkeypatch.setattr(model, "save", refuse)
    members, years = good_file()
    assert run(tmp_path, members, years).committed
    assert Member.objects.count() == 5


# --- households and people ---------------------------------------------------------------------


def test_each_household_needs_exactly_one_head(regions, tmp_path):
    members = household("H1", 1) + household("H2", 10)
    members[0]["与户主关系"] = "配偶"  # H1: no head
    members[4]["与户主关系"] = "户主"  # H2: two heads
    report = run(tmp_path, members, commit=False)
    assert lines(report) == [
        ("家庭成员", 2, "与户主关系", "no_head"),
        ("家庭成员", 6, "与户主关系", "several_heads"),
    ]


def test_id_already_registered_in_another_household_is_an_error(regions, tmp_path):
    existing = make_household(VILLAGE_A1, "OLD1", members=1)
    person = existing.members.get()
    rows = household("NEW1", 1, size=2)
    rows[1]["证件号码"] = person.id_number
    report = run(tmp_path, rows, commit=False)
    assert lines(report) == [("家庭成员", 3, "证件号码", "duplicate_id_registry")]
    assert "OLD1" in report.errors[0].reason


def test_duplicate_id_outside_the_users_area_does_not_reveal_the_household(regions, personas, tmp_path):
    other = make_household(VILLAGE_B1, "SECRET-B", members=1)
    rows = household("NEW1", 1, size=2)
    rows[1]["证件号码"] = other.members.get().id_number
    report = run(tmp_path, rows, commit=False, user=personas["carol"])
    (issue,) = report.errors
    assert issue.code == "id_not_accepted" and "SECRET-B" not in issue.reason
    # Neutral: nothing says that the person is registered, or that it is elsewhere.
    assert not {"registered", "outside", "already", "duplicate"} & set(issue.reason.lower().replace(";", " ").split())


def test_same_id_twice_in_one_household(regions, tmp_path):
    rows = household("H1", 1)
    rows[2]["证件号码"] = rows[1]["证件号码"]
    report = run(tmp_path, rows, commit=False)
    assert lines(report) == [("家庭成员", 4, "证件号码", "duplicate_member")]


def test_one_household_in_two_villages(regions, tmp_path):
    rows = household("H1", 1)
    rows[2]["村代码"] = VILLAGE_A2
    report = run(tmp_path, rows, commit=False)
    assert lines(report) == [("家庭成员", 4, "村代码", "household_conflict")]


def test_village_by_name_must_be_unique_in_the_users_area(regions, personas, tmp_path):
    a1 = Region.objects.get(code=VILLAGE_A1)
    rows = household("H1", 1, 村代码="")
    headers = [h if h != "村代码" else "村名" for h in MEMBER_HEADERS]
    for row in rows:
        row["村名"] = a1.name
    report = run(tmp_path, rows, user=personas["carol"], member_headers=headers)
    assert report.committed and Household.objects.get(number="H1").village_id == VILLAGE_A1
    # a second village of the same name in carol's township makes the name ambiguous
    Region.objects.create(code="433122102299", name=a1.name, level="village", parent_code="433122102")
    report = run(
        tmp_path,
        household("H2", 10, 村名=a1.name, 村代码=""),
        user=personas["carol"],
        member_headers=headers,
        commit=False,
    )
    assert {i.code for i in report.errors} == {"ambiguous_village_name"}
    unknown = run(
        tmp_path,
        household("H3", 20, 村名="不存在村", 村代码=""),
        commit=False,
        member_headers=headers,
    )
    assert {i.code for i in unknown.errors} == {"unknown_village_name"}


def test_villages_outside_the_importers_area_are_rejected(regions, personas, tmp_path):
    rows = household("HA", 1) + household("HB", 10, 村代码=VILLAGE_B1)
    report = run(tmp_path, rows, user=personas["carol"])
    assert {(i.row, i.code) for i in report.errors} == {(r, "village_out_of_scope") for r in (5, 6, 7)}
    assert not report.committed and not Household.objects.exists()


def test_an_existing_household_outside_the_area_cannot_be_overwritten(regions, personas, tmp_path):
    make_household(VILLAGE_B1, "HB", members=1)
    report = run(tmp_path, household("HB", 10), user=personas["carol"], commit=False)
    assert [i.code for i in report.errors] == ["household_out_of_scope"]


def test_allow_partial_commits_only_the_households_without_errors(regions, tmp_path):
    rows = household("GOOD", 1) + household("BAD", 10)
    rows[4]["证件号码"] = "433122198001010000"
    path = write_xlsx(tmp_path / "p.xlsx", rows, [year("GOOD"), year("BAD")])
    strict = import_registry([(path, "p.xlsx")], commit=True)
    assert not strict.committed and not Household.objects.exists()
    partial = import_registry([(path, "p.xlsx")], commit=True, allow_partial=True)
    assert partial.committed
    assert list(Household.objects.values_list("number", flat=True)) == ["GOOD"]
    assert (partial.total, partial.accepted, partial.rejected) == (8, 4, 4)


# --- 收支情况 ----------------------------------------------------------------------------------------


def test_income_rows_need_a_known_household_and_one_row_per_year(regions, tmp_path):
    make_household(VILLAGE_A1, "INDB", members=2, year=None)
    rows = household("H1", 1)
    years = [year("H1"), year("H1", 2023), year("H1"), year("NOWHERE"), year("INDB")]
    report = run(tmp_path, rows, years, commit=False)
    assert lines(report) == [
        ("收支情况", 4, "年度", "duplicate_year"),
        ("收支情况", 5, "户编号", "unknown_household"),
    ]


def test_income_only_csv_updates_an_existing_household(regions, tmp_path):
    h = make_household(VILLAGE_A1, "INDB", members=3, year=None)
    data = csv_bytes(INCOME_HEADERS, [year("INDB", 2024, 工资性收入="9,000元")], "gb18030")
    report = import_registry([(data, "收支情况.csv")], commit=True)
    assert report.committed and report.errors == []
    y = h.years.get()
    assert (y.year, y.wage_income, y.member_count) == (2024, Decimal("9000.00"), 3)
    assert (report.created, report.updated) == (0, 1)


def test_two_csv_files_utf8_bom_and_gb18030_with_a_title_row(regions, tmp_path):
    members, years = good_file()
    files = [
        (csv_bytes(MEMBER_HEADERS, members, "utf-8-sig", title="农户成员"), "members.csv"),
        (csv_bytes(INCOME_HEADERS, years, "gb18030"), "years.csv"),
    ]
    report = import_registry(files, commit=True)
    assert report.committed and report.errors == []
    assert (Member.objects.count(), HouseholdYear.objects.count()) == (5, 2)
    again = import_registry(files, commit=True)
    assert (again.created, again.updated) == (0, 0)


def test_csv_id_that_was_a_number_in_excel_is_refused(regions, tmp_path):
    rows = household("H1", 1)
    rows[0]["证件号码"] = "4.33122E+17"
    report = import_registry([(csv_bytes(MEMBER_HEADERS, rows), "m.csv")], commit=False)
    assert [(i.row, i.code) for i in report.errors] == [(2, "numeric_cell")]


def test_phone_numbers_must_be_mobile_or_landline(regions, tmp_path):
    rows = household("H1", 1, size=4)
    rows[0]["联系电话"] = "0743-4221234"
    rows[1]["联系电话"] = "+86 139 1234 5678"
    rows[2]["联系电话"] = "12345"
    rows[3]["联系电话"] = "1381234567"
    report = run(tmp_path, rows, commit=False)
    assert lines(report) == [
        ("家庭成员", 4, "联系电话", "bad_phone"),
        ("家庭成员", 5, "联系电话", "bad_phone"),
    ]
    assert report.errors[0].value != "12345"  # masked in the report


def test_unknown_vocabulary_is_reported_with_the_accepted_labels(regions, tmp_path):
    rows = household("H1", 1)
    rows[0]["户类型"] = "富裕户"
    rows[1]["健康状况"] = "很好"
    rows[2]["与户主关系"] = "邻居"
    report = run(tmp_path, rows, commit=False)
    assert lines(report) == [
        ("家庭成员", 2, "户类型", "unknown_choice"),
        ("家庭成员", 3, "健康状况", "unknown_choice"),
        ("家庭成员", 4, "与户主关系", "unknown_choice"),
    ]
    assert "脱贫户" in report.errors[0].reason


def test_generous_synonyms_are_understood(regions, tmp_path):
    rows = household("H1", 1, size=5, 户类型="脱贫户(含监测)")
    rows[0].update({"与户主关系": "本人"})
    rows[1].update({"与户主关系": "妻子", "在校生情况": "小学三年级", "健康状况": "残疾,长期慢性病"})
    rows[2].update({"与户主关系": "长子", "在校生情况": "七年级", "文化程度": "中专"})
    rows[3].update({"与户主关系": "之外孙女", "劳动技能": "无劳动力"})
    rows[4].update({"与户主关系": "之岳母", "特困供养": "有"})
    assert run(tmp_path, rows).committed
    got = {m.name: m for m in Member.objects.all()}
    m = [got[r["姓名"]] for r in rows]
    assert Household.objects.get().household_type == "ex_poor"
    assert [x.relation for x in m] == ["head", "spouse", "son", "grandchild", "parent_in_law"]
    assert (m[1].schooling, m[1].health, m[2].schooling, m[2].education) == (
        "primary",
        "disabled",
        "junior",
        "vocational",
    )
    assert m[3].labour == "none" and m[4].tekun is True


def test_unknown_id_region_is_only_a_warning(regions, tmp_path):
    rows = household("H1", 1, size=2)
    rows[1]["证件号码"] = person_id(77).replace("433122", "110101", 1)
    from shouwang.core.idnumbers import check_digit

    rows[1]["证件号码"] = rows[1]["证件号码"][:17] + check_digit(rows[1]["证件号码"][:17])
    report = run(tmp_path, rows)
    assert report.committed
    assert [(w.row, w.code) for w in report.warnings] == [(3, "unknown_region")]


# --- formats -----------------------------------------------------------------------------------


def test_legacy_xls_file_imports(regions):
    report = import_registry([(FIXTURES / "registry.xls", "registry.xls")], commit=True)
    assert report.errors == [] and report.committed
    assert (Household.objects.count(), Member.objects.count()) == (2, 3)
    assert HouseholdYear.objects.get(household__number="XLS0001").business_income == Decimal("2500.00")
    assert Member.objects.get(name="杨小花").phone == "0743-4221234"


def test_numeric_id_cell_in_legacy_xls_is_refused(regions):
    report = import_registry([(FIXTURES / "registry_numeric_id.xls", "x.xls")], commit=False)
    assert [(i.sheet, i.row, i.code) for i in report.errors] == [("家庭成员", 4, "numeric_cell")]


def test_unreadable_file_is_a_file_level_error(regions):
    report = import_registry([(b"PK\x03\x04garbage", "x.xlsx")], commit=True)
    assert [i.code for i in report.errors] == ["zip_unreadable"] and report.errors[0].row is None
    assert report.total == 0 and not report.committed


def test_wrong_headers_are_reported_once(regions, tmp_path):
    path = tmp_path / "w.xlsx"
    write_xlsx(path, [{"户编号": "H1"}], member_headers=["户编号", "姓名"])
    report = import_registry([(path, "w.xlsx")], commit=False)
    assert [i.code for i in report.errors] == ["missing_columns"]
    assert "证件号码" in report.errors[0].reason


def test_masked_values_only_in_the_stored_report(regions, tmp_path):
    rows = household("H1", 1)
    rows[0]["证件号码"] = rows[0]["证件号码"][:17] + ("1" if rows[0]["证件号码"][17] == "0" else "0")
    report = run(tmp_path, rows, commit=False)
    text = json.dumps(report.to_dict(portable=True), ensure_ascii=False)
    assert not re.search(r"\d{17}[\dX]", text)
    assert rows[0]["证件号码"][:6] + "********" in text


def test_long_household_numbers_typed_as_numbers_are_refused_short_ones_are_read(regions, tmp_path):
    rows = household(4331221022010012345, 1, size=1) + household(12345, 10, size=1)
    report = run(tmp_path, rows, [year(12345)], commit=True)
    assert [(i.row, i.code) for i in report.errors] == [(2, "numeric_number")]
    report = run(tmp_path, household(12345, 10, size=1), [year(12345)], commit=True, name="short.xlsx")
    assert report.committed and Household.objects.get().number == "12345"
