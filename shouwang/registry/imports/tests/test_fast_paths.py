"""The checks' fast paths give what the general parsers give: amounts, and village cells worked out
once per (code, name) pair."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from shouwang.core.imports import parse_amount
from shouwang.registry.imports.checking import _amount
from shouwang.registry.imports.importer import import_registry
from shouwang.registry.imports.rows import index_lookups
from shouwang.registry.imports.template import MEMBER_HEADERS
from shouwang.registry.imports.tests.registry_files import VILLAGE_A1, household, write_xlsx, year
from shouwang.registry.tests.factories import make_household

AMOUNTS = [
    "0", "12", "12.5", "12.50", "9999999999", "99999999999", "19,835元", "1,234", "1,234.5元", "12元",
    "999,999,999.99", "1,000,000,000", "1,23", "12,3456", "0元", "00,123", "1,234.567", "１２元", " 12元",
    "12 元", "12元整", "1,234.50", "-5", "-1,000元", "1,000,000,000,000", "12.345元", "元", ",123", "1,,234",
    "1e5", "", None,
]


@pytest.mark.parametrize("text", AMOUNTS)
def test_amount_fast_paths_agree_with_parse_amount(text):
    fast, general = _amount(text), parse_amount(text)
    assert (fast[1] is None) == (general[1] is None)
    if general[1] is None:
        assert str(fast[0]) == str(general[0])
    else:
        assert fast[1].code == general[1].code


@pytest.mark.django_db
def test_a_village_cell_pair_seen_again_reports_its_problems_on_every_row(regions, tmp_path):
    """The outcome of a (village code, village name) pair is worked out once; each row still gets
    its own error or warning, and a row of another pair its own."""
    headers = [*MEMBER_HEADERS, "村名"]
    rows = (
        household("H1", 1, 村代码="433122102999")  # no such village: an error on rows 2–4
        + household("H2", 10, 村名="别的村")  # the name does not match the code: a warning on rows 5–7
        + household("H3", 20)  # clean
    )
    path = write_xlsx(tmp_path / "v.xlsx", rows, [year("H1"), year("H2"), year("H3")], member_headers=headers)
    report = import_registry([(path, "v.xlsx")], commit=False)
    assert sorted((i.row, i.code) for i in report.errors) == [(r, "unknown_village_code") for r in (2, 3, 4)]
    assert sorted((i.row, i.code) for i in report.warnings if i.code.startswith("village")) == [
        (r, "village_name_mismatch") for r in (5, 6, 7)
    ]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's")
def test_lookups_in_an_import_transaction_use_the_index_on_postgresql(regions):
    """Rows written in the import's own transaction are in no statistics: the planner would scan the
    whole member table for each IN list. Inside ``index_lookups`` it takes the index; the setting
    comes back afterwards."""
    rows = [(f"{i:064x}",) for i in range(3000)]

    def plan(values):
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN SELECT id FROM registry_member WHERE id_index IN (" + ", ".join(["%s"] * len(values)) + ")",
                values,
            )
            return "\n".join(r[0] for r in cursor.fetchall())

    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            return cursor.fetchone()[0]

    with transaction.atomic():
        household = make_household(VILLAGE_A1, "H-STATS", members=1)
        with connection.cursor() as cursor:
            # statistics of the table as it was before the import (the server may have gathered others
            # after earlier tests): then it holds one member
            cursor.execute("ANALYZE registry_member")
            cursor.executemany(
                "INSERT INTO registry_member (household_id, region_code, name, sex, id_type, id_number, id_index, "
                "id_masked, relation, ethnicity, education, schooling, health, labour, work_location, phone, "
                "phone_masked, medical_insured, pension_insured, dibao, tekun, created_at, updated_at) "
                "SELECT %s, region_code, name, sex, id_type, id_number, %s, id_masked, relation, ethnicity, education, "
                "schooling, health, labour, work_location, phone, phone_masked, medical_insured, pension_insured, "
                "dibao, tekun, created_at, updated_at FROM registry_member WHERE household_id = %s LIMIT 1",
                [(household.pk, value, household.pk) for (value,) in rows],
            )
        wanted = [value for (value,) in rows[:900]]
        assert "Seq Scan" in plan(wanted)  # the table looks tiny to the planner
        with index_lookups():
            assert setting() == "off" and "Index" in plan(wanted) and "Seq Scan" not in plan(wanted)
        assert setting() == "on"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's")
def test_index_lookups_outside_a_transaction_set_the_session_back():
    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            return cursor.fetchone()[0]

    assert setting() == "on"
    with index_lookups():
        assert setting() == "off"
    assert setting() == "on"
    with pytest.raises(ZeroDivisionError), index_lookups():
        1 / 0  # noqa: B018
    assert setting() == "on"
