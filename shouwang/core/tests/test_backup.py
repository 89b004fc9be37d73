"""Encrypted backups: the round trip, a tampered or cut file, a wrong key, retention, the nightly job.

Runs on SQLite and, under ``scripts/pg-test.sh``, on PostgreSQL (skipped, with the reason, where
pg_dump or pg_restore is missing).
"""

from __future__ import annotations

import io
import sqlite3
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core import backup, crypto, scheduling
from shouwang.core.anchors import verify_chain
from shouwang.core.audit import Change, record_access, record_changes
from shouwang.core.models import AccessLog, ChangeLog, Job
from shouwang.registry.models import Household
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def backup_settings(settings, tmp_path):
    crypto.reset_keys()
    settings.SHOUWANG_BACKUP_KEY_FILE = tmp_path / "keys" / "backup.key"
    settings.SHOUWANG_BACKUP_DIR = tmp_path / "backups"
    backup.ensure_backup_key()
    if connection.vendor == "postgresql":
        for tool in ("pg_dump", "pg_restore"):
            try:
                backup.pg_tool(tool)
            except backup.BackupError:
                pytest.skip(f"{tool} is not installed: the PostgreSQL backup cannot be tested here")
    yield settings
    crypto.reset_keys()


@pytest.fixture
def data(regions):
    for village in (VILLAGE_A1, VILLAGE_A1, VILLAGE_B1):
        make_household(village)
    record_changes([Change(action="update", object_type="registry.household", object_id=i, object_repr=f"户{i}",
                           before={"wage": i}, after={"wage": i + 1}) for i in range(5)])
    for i in range(3):
        record_access("unmask", object_type="registry.member", object_id=i, fields="id_number", reason="核对")
    return Household.objects.count()


def current_tables() -> dict:
    if connection.vendor == "sqlite":
        with backup.sqlite_reader() as reader:
            return backup.sqlite_tables(reader)
    with backup._pg_connect() as pg:
        tables = backup.pg_tables(pg)
        pg.rollback()
    return tables


def test_round_trip_reproduces_every_table_and_a_valid_audit_chain(data):
    before = current_tables()
    result = backup.create_backup()
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.manifest["tables"] == before
    assert result.manifest["database"] == connection.vendor
    assert before["registry_household"]["rows"] == data
    assert {h["name"] for h in result.manifest["audit_chain_heads"]} == {"changelog", "accesslog"}
    raw = result.path.read_bytes()
    assert b"SQLite format 3" not in raw and b"PGDMP" not in raw and "核对".encode() not in raw
    assert not list(result.path.parent.glob(".swbak-*"))  # no plaintext left behind

    # Life goes on after the backup: a household is deleted, the logs grow.
    Household.objects.filter(village_id=VILLAGE_B1).delete()
    record_access("unmask", object_type="registry.member", object_id=99, fields="id_number", reason="later")
    assert current_tables() != before

    restored = backup.restore_backup(result.path)
    assert restored.ok, restored
    assert restored.mismatches == [] and restored.tables_checked == len(before)
    assert restored.data_key_matches
    assert current_tables() == before
    assert Household.objects.count() == data
    for model in (ChangeLog, AccessLog):
        checked, broken = verify_chain(model)
        assert checked > 0 and broken == []


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_restore_into_another_sqlite_file_leaves_the_database_alone(data, tmp_path):
    result = backup.create_backup()
    Household.objects.filter(village_id=VILLAGE_B1).delete()
    into = tmp_path / "drill.sqlite3"
    out = StringIO()
    call_command("restore", str(result.path), "--into", str(into), stdout=out)
    assert "Restore verified" in out.getvalue() and "intact" in out.getvalue()
    assert stat.S_IMODE(into.stat().st_mode) == 0o600
    assert backup.sqlite_tables(sqlite3.connect(into)) == result.manifest["tables"]
    assert Household.objects.count() == data - 1  # the configured database was not touched


def test_a_tampered_backup_is_refused_and_changes_nothing(data):
    result = backup.create_backup()
    Household.objects.filter(village_id=VILLAGE_B1).delete()
    after_delete = current_tables()
    raw = bytearray(result.path.read_bytes())
    tampered = result.path.with_name("tampered.swbak")
    for position in (len(raw) // 2, backup._HEADER.size + 10, len(raw) - 3):
        copy = bytearray(raw)
        copy[position] ^= 0x01
        tampered.write_bytes(bytes(copy))
        with pytest.raises(backup.BackupError) as refused:
            backup.restore_backup(tampered)
        assert refused.value.message == backup.DAMAGED
    tampered.write_bytes(bytes(raw[:-40]))  # cut short
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(tampered)
    assert refused.value.message in (backup.TRUNCATED, backup.DAMAGED)
    tampered.write_bytes(bytes(raw) + b"\0" * 32)  # extended after the last block
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(tampered)
    assert refused.value.message == backup.DAMAGED
    with pytest.raises(CommandError, match="tampered"):
        call_command("restore", str(tampered), "--yes", stdout=StringIO())
    assert current_tables() == after_delete


def test_a_wrong_key_is_refused(data, settings, tmp_path):
    result = backup.create_backup()
    settings.SHOUWANG_BACKUP_KEY_FILE = tmp_path / "other.key"
    backup.ensure_backup_key()
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(result.path)
    assert refused.value.message == backup.WRONG_KEY
    # A header forged to name the other key still fails: the header is authenticated with every block.
    other = backup.load_backup_key()
    raw = bytearray(result.path.read_bytes())
    raw[16:24] = backup.key_id(other)
    forged = result.path.with_name("forged.swbak")
    forged.write_bytes(bytes(raw))
    with pytest.raises(backup.BackupError) as refused:
        backup.read_manifest(forged)
    assert refused.value.message == backup.DAMAGED


def test_the_backup_key_must_exist_and_differ_from_the_data_key(settings, tmp_path):
    settings.SHOUWANG_BACKUP_KEY_FILE = tmp_path / "missing.key"
    with pytest.raises(backup.BackupError) as refused:
        backup.create_backup()
    assert refused.value.message == backup.NO_KEY
    settings.SHOUWANG_BACKUP_KEY_FILE = tmp_path / "same.key"
    (tmp_path / "same.key").write_text(settings.SHOUWANG_DATA_KEY + "\n")
    with pytest.raises(backup.BackupError) as refused:
        backup.create_backup()
    assert refused.value.message == backup.SAME_AS_DATA_KEY


def test_the_stream_is_chunked_and_its_blocks_cannot_be_reordered():
    key = bytes(range(32))
    plain = bytes(range(256)) * 1000  # 256,000 bytes: 26 blocks of 10,000
    out = io.BytesIO()
    writer = backup.EncryptingWriter(out, key, chunk_size=10_000)
    for start in range(0, len(plain), 7_000):
        writer.write(plain[start:start + 7_000])
    writer.close()
    sealed = out.getvalue()
    assert backup.DecryptingReader(io.BytesIO(sealed), key).read() == plain
    # Swap the first two blocks (each is a length and 10,016 bytes).
    head, block = backup._HEADER.size, backup._LENGTH.size + 10_016
    first, second = sealed[head:head + block], sealed[head + block:head + 2 * block]
    swapped = sealed[:head] + second + first + sealed[head + 2 * block:]
    with pytest.raises(backup.BackupError):
        backup.DecryptingReader(io.BytesIO(swapped), key).read()
    # Drop the last block: the file now ends on a block not flagged last.
    last = len(sealed) - backup._LENGTH.size - 16 - (len(plain) % 10_000)
    with pytest.raises(backup.BackupError) as refused:
        backup.DecryptingReader(io.BytesIO(sealed[:last]), key).read()
    assert refused.value.message == backup.TRUNCATED


def test_only_the_newest_backups_are_kept(data, settings):
    folder = settings.SHOUWANG_BACKUP_DIR
    paths = [backup.create_backup(keep=2).path for _ in range(3)]
    assert backup.backups_in(folder) == paths[1:]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    out = StringIO()
    call_command("backup", "--keep", "1", stdout=out)
    assert "Old backup removed" in out.getvalue() and len(backup.backups_in(folder)) == 1


def test_the_scheduler_runs_the_backup_nightly(data, settings, django_user_model):
    spec = scheduling.periodic("backup")
    assert spec.default_time is not None and spec.every_minutes is None
    job = scheduling.run_now("backup", user=None)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["file"] == backup.backups_in(settings.SHOUWANG_BACKUP_DIR)[0].name


def test_restore_check_only_reads_the_manifest(data):
    result = backup.create_backup()
    out = StringIO()
    call_command("restore", str(result.path), "--check", stdout=out)
    assert "authentication passed" in out.getvalue()
