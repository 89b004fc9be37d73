"""A county's file is checked, planned and written a chunk of households at a time: the outcome is
the one of a single pass, whatever the chunk size (duplicates across chunks, rejections in a late
chunk, partial imports, counts)."""

from __future__ import annotations

import pytest

from shouwang.registry.imports import importer as importer_module
from shouwang.registry.imports.importer import import_registry
from shouwang.registry.imports.tests.registry_files import VILLAGE_A2, household, person_id, write_xlsx, year
from shouwang.registry.models import Household, HouseholdYear, Member

pytestmark = pytest.mark.django_db


def county_file(tmp_path, name="registry.xlsx", *, duplicate=False, bad_last=False):
    members, years = [], []
    for h in range(7):
        number = f"C{h:03d}"
        rows = household(number, 10 * h + 1, size=1 + h % 3, **({"村代码": VILLAGE_A2} if h % 2 else {}))
        if duplicate and h == 6:  # the person of the first household again, six households later
            rows[-1]["证件号码"] = person_id(1)
        if bad_last and h == 6:
            rows[0]["与户主关系"] = "邻居"
        members += rows
        years.append(year(number, 工资性收入=str(1000 * h)))
    return write_xlsx(tmp_path / name, members, years)


def outcome(report):
    return (
        report.committed, report.total, report.accepted, report.rejected, report.created, report.updated,
        report.unchanged, sorted((i.sheet, i.row, i.column, i.code, tuple(sorted(i.params.items())))
                                 for i in report.errors),
    )


@pytest.mark.parametrize("kind", ["clean", "duplicate", "bad_last"])
def test_chunks_of_two_households_give_the_single_pass_outcome(tmp_path, regions, monkeypatch, kind):
    path = county_file(tmp_path, duplicate=kind == "duplicate", bad_last=kind == "bad_last")
    whole = import_registry([(path, path.name)], commit=False)
    monkeypatch.setattr(importer_module, "HOUSEHOLD_CHUNK", 2)
    chunked = import_registry([(path, path.name)], commit=False)
    assert outcome(chunked) == outcome(whole)
    committed = import_registry([(path, path.name)], commit=True)
    if kind == "clean":
        assert committed.committed and committed.created == 7
        assert (Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count()) == (7, 13, 7)
    else:  # the rejected row is in the last chunk: the chunks written before it are rolled back
        assert not committed.committed and committed.errors
        assert not Household.objects.exists() and not Member.objects.exists()
    if kind == "duplicate":
        codes = {(i.row, i.code, i.params.get("other")) for i in chunked.errors}
        assert codes == {(2, "duplicate_id_file", "C006"), (14, "duplicate_id_file", "C000")}


def test_a_partial_import_writes_the_good_chunks(tmp_path, regions, monkeypatch):
    monkeypatch.setattr(importer_module, "HOUSEHOLD_CHUNK", 2)
    path = county_file(tmp_path, bad_last=True)
    report = import_registry([(path, path.name)], commit=True, allow_partial=True)
    assert report.committed and report.created == 6
    assert {i.code for i in report.errors} == {"unknown_choice", "no_head"}
    assert Household.objects.count() == 6 and not Household.objects.filter(number="C006").exists()
    again = import_registry([(path, path.name)], commit=True, allow_partial=True)
    assert again.created == 0 and again.updated == 0 and again.unchanged == 6
