"""The same files imported again: recognised from the fingerprint a clean import left, without reading a
sheet, only while every household they hold is as that import left it; the report is the one reading
every row gives."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import TOWNSHIP_A, _user
from shouwang.core import imports as engine
from shouwang.core.models import ChangeLog
from shouwang.regions.models import Region
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.imports.importer import RegistryImport
from shouwang.registry.imports.tests.registry_files import VILLAGE_A2, VILLAGE_B1, household, write_xlsx, year
from shouwang.registry.models import Household, ImportFingerprint, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def path(regions, tmp_path):
    members = household("H0001", 1) + household("H0002", 10, size=2, 村代码=VILLAGE_A2) + household(
        "H0003", 20, size=2, 村代码=VILLAGE_B1)
    years = [year("H0001"), year("H0002", 工资性收入="12,000元"), year("H0003")]
    return write_xlsx(tmp_path / "registry.xlsx", members, years)


def run(path, user=None, *, commit=True, fingerprints=True):
    importer = RegistryImport(user)
    importer.fingerprints = fingerprints
    report = importer.run([(path, path.name)], commit=commit)
    return importer, report


def read_nothing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a sheet was read")

    monkeypatch.setattr(engine, "load_tables", refuse)
    monkeypatch.setattr("shouwang.registry.imports.importer.load_tables", refuse)


def test_the_same_files_again_are_known_unchanged_without_reading_them(path, monkeypatch):
    run(path)
    assert ImportFingerprint.objects.count() == 1
    _importer, slow = run(path, fingerprints=False)  # every row read: the report to match
    log = ChangeLog.objects.count()
    read_nothing(monkeypatch)
    importer, fast = run(path)
    assert importer.from_fingerprint
    expected = slow.to_dict() | {"batch": fast.batch}
    assert fast.to_dict() == expected
    assert (fast.total, fast.accepted, fast.rejected, fast.unchanged, fast.committed) == (10, 10, 0, 3, True)
    assert ChangeLog.objects.count() == log  # nothing written
    _importer, dry = run(path, commit=False)
    assert dry.to_dict() == expected | {"committed": False}


def test_a_household_written_since_makes_the_next_import_read_the_files(path, monkeypatch):
    run(path)
    member = Member.objects.filter(household__number="H0002").order_by("pk").first()
    member.name = "改过"
    member.save()  # any other write clears the household's import digest
    importer, report = run(path)
    assert not importer.from_fingerprint
    assert (report.updated, report.unchanged) == (1, 2)  # the file's name again
    assert Member.objects.filter(name="改过").count() == 0
    importer, _report = run(path)  # and the fingerprint is the new one
    assert importer.from_fingerprint


def test_a_deleted_household_or_another_village_list_is_not_known(path):
    run(path)
    Household.objects.get(number="H0003").delete()
    importer, report = run(path)
    assert not importer.from_fingerprint and report.created == 1
    Region.objects.create(code="433122102299", name="新设村", level=Region.Level.VILLAGE,
                          parent_code=TOWNSHIP_A)
    importer, _report = run(path)
    assert not importer.from_fingerprint  # the reference lists changed


def test_a_user_whose_area_does_not_hold_every_household_reads_the_files(path):
    run(path)
    township = _user("fp_township_a", "township", TOWNSHIP_A)
    importer, report = run(path, township)
    assert not importer.from_fingerprint
    assert report.rejected and not report.committed  # H0003 lies in township B: refused as always


def test_only_a_clean_import_leaves_a_fingerprint(regions, tmp_path):
    members = household("H0001", 1) + household("H0002", 10, size=2, 村代码=VILLAGE_A2)
    members[0]["证件号码"] = make_id_number("110229", date(1980, 1, 1), 77)  # a county code not on the list: a warning
    path = write_xlsx(tmp_path / "warned.xlsx", members, [year("H0001"), year("H0002")])
    _importer, report = run(path)
    assert report.committed and report.issues
    assert not ImportFingerprint.objects.exists()


def test_the_state_a_commit_records_is_the_one_the_registry_then_holds(path, tmp_path):
    importer, _report = run(path)
    written = importer._written_state()
    assert written is not None and written[1] == 3
    assert written[:2] == RegistryImport._households_state(sorted(importer.household_ids.values()))[:2]
    # a second file touching one household and adding one: the state covers the file's households
    members = household("H0002", 10, size=3, 村代码=VILLAGE_A2) + household("H0004", 30)
    other = write_xlsx(tmp_path / "other.xlsx", members, [year("H0002"), year("H0004")])
    importer, report = run(other)
    assert (report.created, report.updated) == (1, 1)
    written = importer._written_state()
    assert written[:2] == RegistryImport._households_state(sorted(importer.household_ids.values()))[:2]
