"""The database itself, read byte by byte, holds no plaintext ID or phone number."""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core import crypto
from shouwang.registry.models import Member
from shouwang.registry.tests.factories import make_household


def _database_bytes() -> bytes:
    if connection.vendor != "sqlite":
        pytest.skip("byte-level scan of the database file is done on SQLite")
    connection.ensure_connection()
    return connection.connection.serialize()


def test_sqlite_database_bytes_contain_no_plaintext_id_or_phone(regions):
    for village in (VILLAGE_A1, VILLAGE_B1):
        make_household(village, members=4)
    members = list(Member.objects.all())
    assert len(members) == 8
    data = _database_bytes()
    for m in members:
        assert len(m.id_number) == 18 and len(m.phone) == 11
        for secret in (m.id_number, m.phone):
            assert secret.encode() not in data
            assert secret.encode("utf-16-le") not in data
        # The masked form is what may be stored in the clear.
        assert m.id_masked.encode() in data


def test_encrypted_columns_hold_ciphertext_that_decrypts(regions):
    make_household(VILLAGE_A1, members=1)
    member = Member.objects.get()
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM registry_member WHERE id = %s", [member.pk])
        raw_id, raw_phone = cur.fetchone()
    assert raw_id != member.id_number and raw_id.startswith("g1:")
    assert crypto.decrypt(raw_id) == member.id_number
    assert crypto.decrypt(raw_phone) == member.phone
    assert member.id_index == crypto.blind_index(member.id_number)
