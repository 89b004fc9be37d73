"""On PostgreSQL the application's role may only append to the audit logs (``protect_audit``):
UPDATE, DELETE and TRUNCATE of log rows are refused, the chain head only moves forward, and
appending still works. Run with ``bash scripts/pg-test.sh -p no:xdist <this file>``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from shouwang.core.anchors import verify_chain
from shouwang.core.audit import Change, record_access, record_changes
from shouwang.core.models import AccessLog, ChainHead, ChangeLog

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_the_command_says_it_is_for_postgresql():
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("protect_audit", stdout=StringIO())


def _refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc) or "only move forward" in str(exc), exc
        return True
    return False


@postgresql
def test_update_delete_and_truncate_of_audit_rows_are_refused(personas):
    record_changes([Change("create", "registry.member", 1, "M1"), Change("create", "registry.member", 2, "M2")])
    record_access("unmask", user=personas["erin"], object_type="household", object_id=1)
    out = StringIO()
    call_command("protect_audit", stdout=out)
    call_command("protect_audit", "--check", stdout=out)
    assert "6 of 6" in out.getvalue()
    with connection.cursor() as cursor:  # the test's own inserts leave deferred key checks, which TRUNCATE refuses
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in ("core_changelog", "core_accesslog"):
        assert _refused(f"UPDATE {table} SET username = 'mallory'")
        assert _refused(f"UPDATE {table} SET user_id = NULL")
        assert _refused(f"DELETE FROM {table} WHERE id = (SELECT max(id) FROM {table})")
        assert _refused(f"TRUNCATE {table}")
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeLog.objects.filter(seq=1).update(object_repr="forged")  # the ORM meets the same wall
    # The head may not move back (a truncation's cover) nor go away.
    assert _refused("UPDATE core_chainhead SET seq = seq - 1 WHERE name = 'changelog'")
    assert _refused("UPDATE core_chainhead SET last_hash = 'x' WHERE name = 'changelog'")
    assert _refused("DELETE FROM core_chainhead")
    # Appending goes on, and the chain is intact.
    record_changes([Change("update", "registry.member", 1, "M1", before={"a": 1}, after={"a": 2})])
    record_access("export", user=personas["erin"], object_type="household", object_id=1)
    assert ChainHead.objects.get(name="changelog").seq == 3
    assert verify_chain(ChangeLog) == (3, []) and verify_chain(AccessLog) == (2, [])


@postgresql
def test_remove_drops_the_triggers(personas):
    call_command("protect_audit", stdout=StringIO())
    call_command("protect_audit", "--remove", stdout=StringIO())
    record_changes([Change("create", "registry.member", 1, "M1")])
    assert not _refused("UPDATE core_changelog SET username = 'x'")
    with pytest.raises(CommandError):
        call_command("protect_audit", "--check", stdout=StringIO())
