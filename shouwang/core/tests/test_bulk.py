"""Raw bulk inserts: column mapping, defaults for the columns left out, all or nothing; ids reserved
before the insert; inserts written beside the caller."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.transaction import TransactionManagementError

from shouwang.core import bulk
from shouwang.core.bulk import background_inserts, column_of, insert_rows, reserve_ids, update_rows, write_staged
from shouwang.regions.models import Region
from shouwang.registry.models import Household, HouseholdYear

VILLAGE = "433122102201"


def test_inserts_rows_and_fills_defaults_and_timestamps(regions):
    n = insert_rows(
        Household,
        ["number", "village", "region_code"],
        ((f"B{i:03d}", VILLAGE, VILLAGE) for i in range(12)),
        batch_size=5,
    )
    assert n == 12
    households = list(Household.objects.order_by("number"))
    assert [h.number for h in households] == [f"B{i:03d}" for i in range(12)]
    h = households[0]
    assert h.village_id == VILLAGE and h.household_type == "ordinary" and h.no_labour is False
    assert h.settlement == "" and h.created_at is not None and h.updated_at is not None


def test_generated_columns_are_computed_by_the_database(regions):
    insert_rows(Household, ["number", "village", "region_code"], [("B1", VILLAGE, VILLAGE)])
    hid = Household.objects.get().pk
    insert_rows(
        HouseholdYear,
        ["household", "region_code", "year", "member_count", "wage_income", "business_costs"],
        [(hid, VILLAGE, 2023, 3, Decimal("10000.00"), Decimal("1000"))],
    )
    year = HouseholdYear.objects.get()
    assert year.net_income == Decimal("9000.00")
    assert year.per_capita_net_income == Decimal("3000.00")


def test_refuses_to_write_a_generated_column(regions):
    with pytest.raises(ValueError, match="generated"):
        insert_rows(HouseholdYear, ["household", "year", "member_count", "net_income"], [])


def test_column_of_a_field_and_of_a_relation_seen_from_the_other_side():
    assert column_of(Household._meta.get_field("village")) == "village_id"
    assert column_of(Household._meta.get_field("number")) == "number"
    with pytest.raises(ValueError, match="not a column"):
        column_of(Household._meta.get_field("members"))


def test_refuses_a_relation_seen_from_the_other_side(regions):
    with pytest.raises(ValueError, match="not a column"):
        insert_rows(Household, ["number", "members"], [])


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_leaves_nothing_behind(regions):
    rows = [(f"B{i:03d}", VILLAGE, VILLAGE) for i in range(10)] + [("B000", VILLAGE, VILLAGE)]
    with pytest.raises(IntegrityError):
        insert_rows(Household, ["number", "village", "region_code"], rows, batch_size=4)
    assert not Household.objects.exists()


def test_update_rows_prepares_values_and_stamps_auto_now(regions):
    from shouwang.supervision.takeover.models import NationalRecord

    insert_rows(Household, ["number", "village", "region_code"], [("U1", "433122102201", "433122102201")])
    household = Household.objects.get(number="U1")
    record = NationalRecord.objects.create(household=household, region_code="433122102201", batch="a",
                                           phone="13800001111")
    before = record.updated_at
    assert update_rows(NationalRecord, ["batch", "household_values", "phone"],
                       [(record.pk, "b", {"乡": "达岚镇"}, "13900002222")]) == 1
    record.refresh_from_db()
    assert (record.batch, record.household_values, record.phone) == ("b", {"乡": "达岚镇"}, "13900002222")
    assert record.updated_at > before
    # the phone went through its field: stored encrypted, not as the number
    raw = NationalRecord.objects.filter(pk=record.pk).values_list("phone", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM supervision_nationalrecord WHERE id = %s", [record.pk])
        assert "13900002222" not in cursor.fetchone()[0]
    assert list(raw) == ["13900002222"]


# --- ids given before the insert, and inserts written beside the caller ---------------------------------

FIELDS = ["id", "number", "village", "region_code"]


def test_reserved_ids_follow_the_largest_and_the_rows_keep_them(regions):
    insert_rows(Household, ["number", "village", "region_code"], [("R0", VILLAGE, VILLAGE)])
    first = Household.objects.get().pk
    with transaction.atomic():
        ids = reserve_ids(Household, 3)
        assert ids == [first + 1, first + 2, first + 3] or connection.vendor == "postgresql"
        assert len(set(ids)) == 3 and min(ids) > first
        insert_rows(Household, FIELDS, [(pk, f"R{pk}", VILLAGE, VILLAGE) for pk in ids])
        more = reserve_ids(Household, 2)
        assert min(more) > max(ids)
    assert {h.number: h.pk for h in Household.objects.filter(pk__in=ids)} == {f"R{pk}": pk for pk in ids}
    # the table's own numbering goes on after them
    insert_rows(Household, ["number", "village", "region_code"], [("R9", VILLAGE, VILLAGE)])
    assert Household.objects.get(number="R9").pk > max(ids)
    assert reserve_ids(Household, 0) == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite takes the ids after the largest: in a transaction")
@pytest.mark.django_db(transaction=True)
def test_reserving_ids_on_sqlite_needs_a_transaction(regions):
    with pytest.raises(TransactionManagementError):
        reserve_ids(Household, 1)


@pytest.mark.django_db(transaction=True)
def test_background_inserts_need_a_transaction(regions):
    with pytest.raises(TransactionManagementError), background_inserts():
        pass


def test_staged_rows_are_there_for_every_statement_that_names_their_table(regions):
    with transaction.atomic(), background_inserts():
        ids = reserve_ids(Household, 3)
        insert_rows(Household, FIELDS, [(pk, f"S{pk}", VILLAGE, VILLAGE) for pk in ids])
        writer = bulk._WRITERS[connections["default"]]
        assert writer.staged  # staged, not yet in the table
        Region.objects.filter(code=VILLAGE).exists()  # another table: they stay staged
        assert writer.staged
        assert sorted(Household.objects.values_list("pk", flat=True)) == ids  # written first
        # ids reserved inside the block go on from there, rows staged or not
        more = reserve_ids(Household, 2)
        insert_rows(Household, FIELDS, [(pk, f"S{pk}", VILLAGE, VILLAGE) for pk in more])
        write_staged()  # handed to the thread: the block's end waits for it
        assert min(more) > max(ids)
    assert Household.objects.count() == 5
    assert bulk._WRITERS.get(connections["default"]) is None


def test_rows_without_ids_staged_beside_reserved_ones_do_not_collide(regions):
    with transaction.atomic(), background_inserts():
        ids = reserve_ids(Household, 2)
        insert_rows(Household, FIELDS, [(pk, f"T{pk}", VILLAGE, VILLAGE) for pk in ids])
        insert_rows(Household, ["number", "village", "region_code"], [("T-auto", VILLAGE, VILLAGE)])
        write_staged()
        more = reserve_ids(Household, 2)
        insert_rows(Household, FIELDS, [(pk, f"T{pk}", VILLAGE, VILLAGE) for pk in more])
    pks = list(Household.objects.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)) == 5


@pytest.mark.django_db(transaction=True)
def test_a_violation_in_the_background_is_raised_and_nothing_stays(regions):
    with pytest.raises(IntegrityError), transaction.atomic(), background_inserts():
        insert_rows(Household, ["number", "village", "region_code"], [("D1", VILLAGE, VILLAGE)])
        write_staged()
        insert_rows(Household, ["number", "village", "region_code"], [("D1", VILLAGE, VILLAGE)])  # the same number
        write_staged()
    assert not Household.objects.exists()
    # the connection is usable afterwards, and a later block starts clean
    with transaction.atomic(), background_inserts():
        insert_rows(Household, ["number", "village", "region_code"], [("D2", VILLAGE, VILLAGE)])
    assert list(Household.objects.values_list("number", flat=True)) == ["D2"]


@pytest.mark.django_db(transaction=True)
def test_a_block_ended_by_an_error_drops_what_is_staged(regions):
    with pytest.raises(RuntimeError), transaction.atomic(), background_inserts():
        insert_rows(Household, ["number", "village", "region_code"], [("E1", VILLAGE, VILLAGE)])
        write_staged()
        insert_rows(Household, ["number", "village", "region_code"], [("E2", VILLAGE, VILLAGE)])
        raise RuntimeError("the caller failed")
    assert not Household.objects.exists()


def test_a_large_commit_leaves_the_wal_checkpoint_to_a_thread_of_its_own(tmp_path, django_db_blocker):
    from django.db.utils import ConnectionHandler

    path = tmp_path / "wal.sqlite3"
    wal = {"init_command": "PRAGMA journal_mode=WAL;"}
    settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": wal}
    handler = ConnectionHandler({"default": settings})
    own = handler["default"]
    with django_db_blocker.unblock():  # a database of its own, on a file: the tests' one is in memory
        _commit_and_checkpoint(own, path)


def _commit_and_checkpoint(own, path) -> None:
    import threading

    try:
        with own.cursor() as cursor:
            cursor.execute("CREATE TABLE t (id integer PRIMARY KEY, v text)")
            cursor.execute("PRAGMA wal_autocheckpoint = 50")  # a log of 50 pages would be copied at commit
        with bulk._checkpoint_afterwards(own):
            with own.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint")
                assert cursor.fetchone()[0] == 0  # not by the committing connection
                cursor.execute("BEGIN")
                cursor.executemany("INSERT INTO t (v) VALUES (%s)", [("x" * 500,) for _ in range(2000)])
                cursor.execute("COMMIT")
            assert path.stat().st_size < 100_000  # the rows (1 MB) are in the log, not yet in the database
        for thread in threading.enumerate():
            if thread.name == bulk.CHECKPOINT_THREAD:
                thread.join(30)
        with own.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 50  # as it was
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone()[0] == 2000
        assert path.stat().st_size > 1_000_000  # copied by the thread
    finally:
        own.close()
