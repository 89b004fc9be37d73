"""Raw bulk inserts: column mapping, defaults for the columns left out, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError

from shouwang.core.bulk import column_of, insert_rows, update_rows
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
