"""The import digest: an unchanged household is recognised without reading it back, and any other
write of a household, its members or years makes the next import compare it field by field again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from shouwang.core import crypto
from shouwang.core.models import ChangeLog
from shouwang.registry.imports.importer import RegistryImport, import_registry
from shouwang.registry.imports.planning import new_counts
from shouwang.registry.imports.rows import HouseholdPlan, MemberRow, YearRow
from shouwang.registry.imports.tests.registry_files import (
    VILLAGE_A1,
    VILLAGE_A2,
    VILLAGE_B1,
    household,
    person_id,
    write_xlsx,
    year,
)
from shouwang.registry.models import Household, HouseholdYear, Member

pytestmark = pytest.mark.django_db


def good_file():
    members = household("H0001", 1) + household("H0002", 10, size=2, 村代码=VILLAGE_A2)
    years = [year("H0001"), year("H0002", 工资性收入="12,000元")]
    return members, years


def run(tmp_path, members, years, *, name="registry.xlsx", **kwargs):
    path = write_xlsx(tmp_path / name, members, years, **kwargs)
    return import_registry([(path, name)], commit=True)


def digests() -> dict[str, str]:
    return dict(Household.objects.values_list("number", "import_digest"))


def test_commit_stores_a_digest_and_an_unchanged_reimport_reads_and_writes_nothing(regions, tmp_path, monkeypatch):
    members, years = good_file()
    run(tmp_path, members, years)
    stored = digests()
    assert all(len(d) == 64 for d in stored.values())
    stamps = sorted(Member.objects.values_list("updated_at", flat=True))
    log = ChangeLog.objects.count()

    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged household was decrypted")

    monkeypatch.setattr(crypto, "decrypt", refuse)
    again = run(tmp_path, members, years)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.details == {
        "households": {"created": 0, "updated": 0, "unchanged": 2},
        "members": {"created": 0, "updated": 0, "unchanged": 5},
        "years": {"created": 0, "updated": 0, "unchanged": 2},
    }
    assert digests() == stored
    assert sorted(Member.objects.values_list("updated_at", flat=True)) == stamps
    assert ChangeLog.objects.count() == log


def test_a_changed_row_gives_another_digest_and_is_written(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members, years)
    before = digests()
    years[1]["工资性收入"] = "15000"
    report = run(tmp_path, members, years, name="v2.xlsx")
    assert (report.updated, report.unchanged) == (1, 1)
    after = digests()
    assert after["H0001"] == before["H0001"] and after["H0002"] != before["H0002"]
    assert HouseholdYear.objects.get(household__number="H0002").wage_income == Decimal("15000.00")


def test_a_hand_edit_of_a_member_after_an_import_is_undone_by_the_same_files_reimport(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members, years)
    son = Member.objects.get(name=members[2]["姓名"])
    son.set_phone("13999999999")
    with transaction.atomic():
        son.save()
    assert digests()["H0001"] == ""

    report = run(tmp_path, members, years)
    assert (report.updated, report.unchanged) == (1, 1)
    assert report.details["members"] == {"created": 0, "updated": 1, "unchanged": 4}
    son.refresh_from_db()
    assert son.phone == members[2]["联系电话"]
    assert len(digests()["H0001"]) == 64


def test_hand_edits_of_a_year_or_a_household_and_deleted_members_clear_the_digest(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members, years)
    entry = HouseholdYear.objects.get(household__number="H0002")
    entry.wage_income = Decimal("1.00")
    with transaction.atomic():
        entry.save()
    h1 = Household.objects.get(number="H0001")
    h1.household_type = "ex_poor"
    with transaction.atomic():
        h1.save(update_fields=["household_type"])
    assert digests() == {"H0001": "", "H0002": ""}

    report = run(tmp_path, members, years)
    assert (report.updated, report.unchanged) == (2, 0)
    assert HouseholdYear.objects.get(household__number="H0002").wage_income == Decimal("12000.00")
    assert Household.objects.get(number="H0001").household_type == "ordinary"

    with transaction.atomic():
        Member.objects.filter(name=members[4]["姓名"]).delete()  # a queryset delete: signals, no save()
    assert digests()["H0002"] == ""
    report = run(tmp_path, members, years)
    assert report.details["members"] == {"created": 1, "updated": 0, "unchanged": 4}


def test_another_column_set_is_another_digest_but_an_unchanged_household_stays_unchanged(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members, years)
    before = digests()
    report = run(tmp_path, members, None, name="members-only.xlsx")  # no 收支情况 sheet
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    after = digests()
    assert after["H0001"] != before["H0001"] and len(after["H0001"]) == 64


def test_household_and_member_ids_of_the_import_are_exposed(regions, tmp_path):
    members, years = good_file()
    run(tmp_path, members[:3], years[:1])  # H0001 exists and is unchanged; H0002 is created
    path = write_xlsx(tmp_path / "all.xlsx", members, years)
    importer = RegistryImport(None)
    importer.collect_member_ids = True
    report = importer.run([(path, "all.xlsx")], commit=True)
    assert (report.created, report.unchanged) == (1, 1)
    assert importer.household_ids == dict(Household.objects.values_list("number", "id"))
    expected = {
        (number, crypto.blind_index(person_id(n))): pk
        for number, n, pk in [
            (h, int(name.removeprefix("成员")), pk)
            for h, name, pk in Member.objects.values_list("household__number", "name", "id")
        ]
    }
    assert importer.member_ids == expected


def test_another_importer_plans_and_writes_households_with_extra_columns(regions):
    """The seam of the national takeover: plans built without registry sheets."""
    importer = RegistryImport(None)
    importer.set_fields_present({"name", "relation", "sex", "birth_year", "labour"}, True, {"wage_income"})
    importer.batch = "takeover-test"

    def plan(number: str, national: str, labour: str) -> HouseholdPlan:
        head = MemberRow(row=0, number=number, village=VILLAGE_A1, household_type="ordinary")
        head.id_number = person_id(1 if number == "T1" else 2)
        head.id_index = crypto.blind_index(head.id_number)
        head.key = head.id_index
        head.phone = "13800000001"
        head.values = {"name": "户主甲", "relation": "head", "sex": "M", "birth_year": 1980, "labour": labour}
        entry = YearRow(row=0, number=number, year=2024, values={"wage_income": Decimal("100.00")})
        return HouseholdPlan(
            number, members=[head], years=[entry], village=VILLAGE_A1, household_type="ordinary",
            extra={"national_number": national},
        )

    def write(plans):
        importer.load_existing(plans)
        counts = new_counts()
        with transaction.atomic():
            importer.start_writing(len(plans))
            importer.write_planned(importer.plan_households(plans, counts), plans)
        return counts

    counts = write([plan("T1", "430000000001", "ordinary"), plan("T2", "430000000002", "none")])
    assert counts["households"]["created"] == 2 and counts["members"]["created"] == 2
    t1 = Household.objects.get(number="T1")
    assert (t1.national_number, t1.import_batch, len(t1.import_digest)) == ("430000000001", "takeover-test", 64)
    assert Household.objects.get(number="T2").no_labour
    assert set(importer.household_ids) == {"T1", "T2"}

    counts = write([plan("T1", "430000000001", "ordinary"), plan("T2", "430000000009", "none")])
    assert counts["households"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert Household.objects.get(number="T2").national_number == "430000000009"
    assert set(importer.household_ids) == {"T1", "T2"}


def test_an_unchanged_household_outside_the_users_area_is_refused_not_skipped(regions, personas, tmp_path):
    members = household("HA", 1) + household("HB", 10, 村代码=VILLAGE_B1)
    years = [year("HA"), year("HB")]
    run(tmp_path, members, years)  # county-wide: both stored with their digest
    path = write_xlsx(tmp_path / "again.xlsx", members, years)
    report = import_registry([(path, "again.xlsx")], user=personas["carol"], commit=False)
    assert "household_out_of_scope" in {i.code for i in report.errors}
    assert (report.unchanged, report.accepted, report.rejected) == (1, 4, 4)  # HA skipped, HB refused


def test_unchanged_rows_are_counted_as_accepted_and_unchanged_without_being_parsed(regions, tmp_path, monkeypatch):
    members, years = good_file()
    first = run(tmp_path, members, years)
    from shouwang.registry.imports import checking

    def no_rows(table):
        assert table.frame.is_empty(), "an unchanged household's row was checked"
        return iter(())

    monkeypatch.setattr(checking, "_rows", no_rows)  # every row of the file is skipped before the checks
    again = run(tmp_path, members, years)
    assert (again.total, again.accepted, again.rejected) == (first.total, first.total, 0)
    assert again.committed and (again.created, again.updated, again.unchanged) == (0, 0, 2)
