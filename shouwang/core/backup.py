"""Encrypted backups of the database and their restore (security.md G7, 等保 数据备份恢复).

A backup is one file, ``shouwang-backup-<UTC time>-<engine>.swbak``, mode 0600:

* the database, copied consistently while the application runs: SQLite through the online backup
  API (``sqlite3.Connection.backup``), PostgreSQL through ``pg_dump --format=custom`` run on a
  snapshot exported from a REPEATABLE READ transaction, so that the manifest's counts and checksums
  are read from the very state that was dumped;
* a manifest (time, engine, application version, per-table row counts and SHA-256 checksums, the
  audit chain heads, a fingerprint of the data key the rows were encrypted with);

both in a tar archive (gzip-compressed for SQLite), encrypted as a stream of AES-256-GCM chunks
(:class:`EncryptingWriter`) with the *backup key*, a key file of its own (``SHOUWANG_BACKUP_KEY_FILE``)
kept apart from the database and from the data key: whoever steals a backup gets nothing without
it, and whoever steals the backup key alone gets no rows. Each file has its own key derived from a
random salt; each chunk's nonce is its number and a last-chunk flag, and the header is authenticated
with every chunk, so a changed, reordered, cut or extended file fails to decrypt.

A restore decrypts the whole archive into a private temporary folder before it touches any
database (a damaged or forged file changes nothing), checks the copy against its manifest, loads
it (SQLite: the backup API again, into the configured file or another path; PostgreSQL:
``pg_restore --clean`` into the configured database or another one), then recounts and rehashes
every table of the result and verifies both audit chains with ``anchors.verify_chain``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import logging
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connections
from django.utils.translation import gettext_noop

from . import crypto

logger = logging.getLogger(__name__)

MAGIC = b"SHOUWANG-BACKUP\x01"
CHUNK_SIZE = 1024 * 1024
_HEADER = struct.Struct(">16s8s16sI")  # magic, key id, salt, chunk size
_LENGTH = struct.Struct(">I")
SUFFIX = ".swbak"
PREFIX = "shouwang-backup-"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; ``message`` is a msgid, ``params`` its values."""

    def __init__(self, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(message % (params or {}) if params else message)
        self.message = message
        self.params = params or {}


DAMAGED = gettext_noop("The backup file is damaged or has been tampered with: it failed authentication.")
TRUNCATED = gettext_noop("The backup file is incomplete: it ends before its last block.")
WRONG_KEY = gettext_noop("This backup was encrypted with another backup key; the key now configured cannot open it.")
NOT_A_BACKUP = gettext_noop("This is not a Shouwang backup file.")
NO_KEY = gettext_noop("No backup key at %(path)s: create it with `manage.py init_keys`, and keep an offline copy.")
BAD_KEY = gettext_noop("The backup key at %(path)s must be 32 bytes, base64-encoded.")
SAME_AS_DATA_KEY = gettext_noop("The backup key must not be the data key: keep two keys, apart.")


# --- the backup key ----------------------------------------------------------------------------------


def backup_key_path() -> Path:
    return Path(settings.SHOUWANG_BACKUP_KEY_FILE)


def ensure_backup_key() -> tuple[Path, bool]:
    """Create the backup key file once (``init_keys``); returns (path, created). Never overwrites."""
    path = backup_key_path()
    existed = path.exists()
    crypto.ensure_key_file(path)
    return path, not existed


def load_backup_key(path: Path | None = None) -> bytes:
    path = Path(path or backup_key_path())
    if not path.exists():
        raise BackupError(NO_KEY, {"path": str(path)})
    try:
        key = base64.b64decode(path.read_text().strip(), validate=True)
    except ValueError:
        raise BackupError(BAD_KEY, {"path": str(path)}) from None
    if len(key) != 32:
        raise BackupError(BAD_KEY, {"path": str(path)})
    if hmac.compare_digest(key, crypto._master_key()):
        raise BackupError(SAME_AS_DATA_KEY)
    return key


def key_id(key: bytes) -> bytes:
    """Eight bytes that name a key without revealing it (a wrong key is told apart from damage)."""
    return hmac.new(key, b"shouwang backup key id", hashlib.sha256).digest()[:8]


def data_key_fingerprint() -> str:
    """A keyed hash of a constant under the data key: tells, at restore, whether the data key now
    configured is the one the backed-up rows were encrypted with."""
    return crypto.blind_index("shouwang data key fingerprint", purpose="key")[:16]


# --- the encrypted stream ------------------------------------------------------------------------------


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"shouwang backup v1").derive(key))


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only stream: plaintext in, ``header ‖ (length ‖ AES-GCM chunk)*`` out.

    Memory stays at one chunk whatever the size of the database. ``close`` writes the last chunk
    (flagged, possibly empty): a file without it is refused as cut short.
    """

    def __init__(self, out: IO[bytes], key: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__()
        salt = os.urandom(16)
        self._header = _HEADER.pack(MAGIC, key_id(key), salt, chunk_size)
        self._aead = _file_key(key, salt)
        self._out = out
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > self._chunk_size:
            self._emit(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def _emit(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, last), plain, self._header)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only stream over an encrypted backup: every chunk is authenticated before a byte of
    it is handed on; a file that ends before its last chunk, or goes on after it, is refused."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        super().__init__()
        header = source.read(_HEADER.size)
        if len(header) != _HEADER.size:
            raise BackupError(NOT_A_BACKUP)
        magic, kid, salt, chunk_size = _HEADER.unpack(header)
        if magic != MAGIC:
            raise BackupError(NOT_A_BACKUP)
        if not hmac.compare_digest(kid, key_id(key)):
            raise BackupError(WRONG_KEY)
        self._header = header
        self._aead = _file_key(key, salt)
        self._source = source
        self._max_sealed = chunk_size + 16
        self._buffer = b""
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        raw_length = self._source.read(_LENGTH.size)
        if len(raw_length) != _LENGTH.size:
            raise BackupError(TRUNCATED)
        (length,) = _LENGTH.unpack(raw_length)
        if length > self._max_sealed or length < 16:
            raise BackupError(DAMAGED)
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise BackupError(TRUNCATED)
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._index, last), sealed, self._header)
            except InvalidTag:
                continue
            self._index += 1
            self._buffer += plain
            if last:
                self._done = True
                if self._source.read(1):
                    raise BackupError(DAMAGED)  # bytes after the last chunk
            return
        raise BackupError(DAMAGED)

    def readinto(self, target) -> int:
        while not self._buffer and not self._done:
            self._next_chunk()
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def drain(self) -> None:
        """Read (and authenticate) the rest of the file up to its last chunk."""
        while not self._done:
            self._next_chunk()
            self._buffer = b""


# --- table checksums ------------------------------------------------------------------------------------


def _canon(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def _digest_rows(rows: Iterator[tuple]) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        count += 1
        line = json.dumps([_canon(v) for v in row], ensure_ascii=False, separators=(",", ":")).encode()
        digest.update(_LENGTH.pack(len(line)) + line)
    return count, digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_tables(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Rows and checksum of every table, in primary-key order (rowid where there is none)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    result: dict[str, dict[str, Any]] = {}
    for name in names:
        info = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        pk = [col[1] for col in sorted(info, key=lambda c: c[5]) if col[5] > 0]
        order = ", ".join(_quote(c) for c in pk) if pk else "rowid"
        count, checksum = _digest_rows(iter(conn.execute(f"SELECT * FROM {_quote(name)} ORDER BY {order}")))
        result[name] = {"rows": count, "sha256": checksum}
    return result


@contextlib.contextmanager
def sqlite_reader(path: Path | str | None = None) -> Iterator[sqlite3.Connection]:
    """A plain connection (no type conversion) to ``path``, or to the configured database: the
    checksums are over the stored values, read the same way from the live file and from a copy."""
    if path is None:
        params = connections["default"].get_connection_params()
    else:
        params = {"database": str(path)}
    params["detect_types"] = 0
    reader = sqlite3.connect(**params)
    try:
        yield reader
    finally:
        reader.close()


def pg_tables(conn: Any) -> dict[str, dict[str, Any]]:
    """The same for PostgreSQL (the tables of the current schema), read in ``conn``'s transaction."""
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        names = [r[0] for r in cur.fetchall()]
    result: dict[str, dict[str, Any]] = {}
    for name in names:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
                "ORDER BY array_position(i.indkey, a.attnum)", [_quote(name)])
            pk = [r[0] for r in cur.fetchall()]
        order = ", ".join(_quote(c) for c in pk) if pk else "1"
        if not pk:
            with conn.cursor() as cur:
                cur.execute(f"SELECT * FROM {_quote(name)} LIMIT 0")
                order = ", ".join(str(i + 1) for i in range(len(cur.description)))
        with conn.cursor(name=f"swbak_{len(result)}") as cur:
            cur.itersize = 5000
            cur.execute(f"SELECT * FROM {_quote(name)} ORDER BY {order}")
            count, checksum = _digest_rows(iter(cur))
        result[name] = {"rows": count, "sha256": checksum}
    return result


def _chain_heads(rows: list[tuple], columns: list[str]) -> list[dict[str, Any]]:
    return [dict(zip(columns, (_canon(v) for v in row), strict=True)) for row in rows]


def _chain_head_query() -> str:
    """Every column of the chain heads' table, as stored (a backup of another version may have others)."""
    from .models import ChainHead

    return f"SELECT * FROM {_quote(ChainHead._meta.db_table)} ORDER BY 1"


def _read_heads(cursor: Any) -> list[dict[str, Any]]:
    cursor.execute(_chain_head_query())
    columns = [c[0] for c in cursor.description]
    return _chain_heads(cursor.fetchall(), columns)


# --- PostgreSQL ------------------------------------------------------------------------------------------


def _pg_params(dbname: str | None = None) -> dict[str, str]:
    db = connections["default"].settings_dict
    params = {"dbname": dbname or db["NAME"], "user": db.get("USER") or "", "password": db.get("PASSWORD") or "",
              "host": db.get("HOST") or "", "port": str(db.get("PORT") or "")}
    return {k: v for k, v in params.items() if v}


def _pg_env(params: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST", "port": "PGPORT"}
    env.update({names[k]: v for k, v in params.items()})
    return env


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: the newest server version's (Debian keeps them apart), else PATH's."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if not found:
        raise BackupError(gettext_noop("%(tool)s was not found: install the PostgreSQL client tools."),
                          {"tool": name})
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        logger.error("%s failed: %s", cmd[0], done.stderr)
        raise BackupError(gettext_noop("%(tool)s failed: %(error)s"),
                          {"tool": Path(cmd[0]).name, "error": done.stderr.strip()[-2000:]})


def _pg_connect(dbname: str | None = None) -> Any:
    """A connection of its own whose first statement opens a REPEATABLE READ, read-only transaction."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    conn = psycopg.connect(make_conninfo(**_pg_params(dbname)))
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    return conn


# --- making a backup -------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict[str, Any]
    removed: list[Path] = field(default_factory=list)


def _private_file(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _private_dir(parent: Path, prefix: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))  # mkdtemp makes it 0700


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK_SIZE), b""):
            digest.update(block)
    return digest.hexdigest()


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("shouwang")
    except PackageNotFoundError:
        return "unknown"


def _manifest(vendor: str, payload: Path, tables: dict[str, dict[str, Any]], heads: list[dict]) -> dict[str, Any]:
    import django

    return {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "app_version": _app_version(),
        "django_version": django.get_version(),
        "payload": payload.name,
        "payload_sha256": _sha256_file(payload),
        "payload_bytes": payload.stat().st_size,
        "data_key_fingerprint": data_key_fingerprint(),
        "tables": tables,
        "audit_chain_heads": heads,
    }


def _dump_sqlite(work: Path) -> tuple[Path, dict, list[dict]]:
    """The online backup API into a private file; counts and checksums read from that copy."""
    conn = connections["default"]
    conn.ensure_connection()
    payload = work / "database.sqlite3"
    _private_file(payload).close()
    if conn.in_atomic_block:
        # Inside a transaction (a test, a shell): the backup API would wait for it forever; the
        # connection's own image of the database (what this transaction sees) is written instead.
        payload.write_bytes(conn.connection.serialize())  # created 0600 above
    target = sqlite3.connect(payload)
    try:
        if not conn.in_atomic_block:
            conn.connection.backup(target)
        tables = sqlite_tables(target)
        heads = _read_heads(target.cursor())
    finally:
        target.close()
    return payload, tables, heads


def _dump_postgresql(work: Path) -> tuple[Path, dict, list[dict]]:
    """pg_dump on a snapshot exported by a REPEATABLE READ transaction that reads the manifest too."""
    payload = work / "database.pgdump"
    params = _pg_params()
    with _pg_connect() as pg:
        snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run([pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={payload}",
              "--no-password"], _pg_env(params))
        os.chmod(payload, 0o600)
        tables = pg_tables(pg)
        with pg.cursor() as cursor:
            heads = _read_heads(cursor)
        pg.rollback()
    return payload, tables, heads


def create_backup(output_dir: Path | None = None, *, keep: int | None = None) -> BackupResult:
    """Write one encrypted backup of the configured database into ``output_dir`` (the backup
    folder by default), then keep only the newest ``keep`` backups there."""
    key = load_backup_key()
    out = Path(output_dir or settings.SHOUWANG_BACKUP_DIR)
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    vendor = connections["default"].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(gettext_noop("Backups support SQLite and PostgreSQL only."))
    work = _private_dir(out, ".swbak-work-")
    try:
        payload, tables, heads = (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(work)
        manifest = _manifest(vendor, payload, tables, heads)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        final = out / f"{PREFIX}{stamp}-{vendor}{SUFFIX}"
        partial = work / (final.name + ".part")
        with _private_file(partial) as raw:
            writer = EncryptingWriter(raw, key)
            # A SQLite file shrinks to about a quarter with gzip's fastest level; pg_dump's custom format
            # is compressed already. (Compressed before it is encrypted: ciphertext does not compress.)
            compress = {"mode": "w|gz", "compresslevel": 1} if vendor == "sqlite" else {"mode": "w|"}
            with tarfile.open(fileobj=writer, format=tarfile.PAX_FORMAT, **compress) as tar:
                body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(datetime.now(UTC).timestamp())
                tar.addfile(info, io.BytesIO(body))
                tar.add(payload, arcname=payload.name, recursive=False)
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    removed = prune(out, keep if keep is not None else settings.SHOUWANG_BACKUP_KEEP)
    logger.info("backup written: %s (%d bytes)", final, final.stat().st_size)
    return BackupResult(final, final.stat().st_size, manifest, removed)


def backups_in(folder: Path) -> list[Path]:
    """The backups in ``folder``, oldest first (their names begin with the UTC time)."""
    return sorted(p for p in Path(folder).glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; returns what was deleted."""
    old = backups_in(folder)[: -keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


# --- restoring -------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    target: str
    tables_checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    chains: dict[str, tuple[int, list[int]]] = field(default_factory=dict)
    heads_match: bool = True
    data_key_matches: bool = True
    saved_previous: Path | None = None
    chain_error: str = ""  # the chains could not be read (a backup of another version: migrate first)

    @property
    def ok(self) -> bool:
        return (not self.mismatches and self.heads_match and not self.chain_error
                and not any(broken for _n, broken in self.chains.values()))


def read_manifest(path: Path) -> dict[str, Any]:
    """Decrypt and authenticate the whole file, and return its manifest (nothing is restored)."""
    work = _private_dir(Path(settings.SHOUWANG_BACKUP_DIR), ".swbak-check-")
    try:
        manifest, _payload = _unpack(Path(path), load_backup_key(), work)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _unpack(path: Path, key: bytes, work: Path) -> tuple[dict[str, Any], Path]:
    """Decrypt into ``work`` (0700) and check the payload against the manifest."""
    with open(path, "rb") as source:
        reader = DecryptingReader(source, key)
        try:
            with tarfile.open(fileobj=io.BufferedReader(reader, CHUNK_SIZE), mode="r|*") as tar:
                for member in tar:
                    if member.name not in (MANIFEST, "database.sqlite3", "database.pgdump") or not member.isfile():
                        raise BackupError(NOT_A_BACKUP)
                    tar.extract(member, work, filter="data")
                    os.chmod(work / member.name, 0o600)
            reader.drain()
        except tarfile.TarError:
            raise BackupError(NOT_A_BACKUP) from None
    manifest_path = work / MANIFEST
    if not manifest_path.exists():
        raise BackupError(NOT_A_BACKUP)
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("payload") not in ("database.sqlite3", "database.pgdump"):
        raise BackupError(NOT_A_BACKUP)
    payload = work / manifest["payload"]
    if not payload.exists() or _sha256_file(payload) != manifest["payload_sha256"]:
        raise BackupError(DAMAGED)
    return manifest, payload


def _compare(expected: dict[str, dict], found: dict[str, dict]) -> list[str]:
    problems = []
    for name in sorted(set(expected) | set(found)):
        if expected.get(name) != found.get(name):
            problems.append(name)
    return problems


@contextlib.contextmanager
def _default_database(name: str | None) -> Iterator[None]:
    """Point the ``default`` alias at another database (``name``) for the duration; None: as it is."""
    if name is None:
        yield
        return
    old = connections["default"]
    settings_dict = dict(old.settings_dict, NAME=name)
    new = type(old)(settings_dict, "default")
    connections["default"] = new
    try:
        yield
    finally:
        new.close()
        connections["default"] = old


def _verify_chains(result: RestoreResult, into: str | None) -> None:
    """``anchors.verify_chain`` on both logs of the restored database, and its chain heads against the manifest."""
    from django.db import DatabaseError

    from .anchors import verify_chain
    from .models import AccessLog, ChangeLog

    with _default_database(into):
        with connections["default"].cursor() as cur:
            heads = _read_heads(cur)
        result.heads_match = heads == result.manifest["audit_chain_heads"]
        try:
            for model in (ChangeLog, AccessLog):
                result.chains[str(model._meta.model_name)] = verify_chain(model)
        except DatabaseError as exc:  # the restored tables are not this version's
            logger.warning("audit chains not verified after restore: %s", exc)
            result.chain_error = str(exc)


def _restore_sqlite(payload: Path, manifest: dict, into: str | None, result: RestoreResult) -> None:
    source = sqlite3.connect(payload)
    try:
        problems = _compare(manifest["tables"], sqlite_tables(source))
        if problems:
            raise BackupError(gettext_noop("The backup's tables do not match its manifest: %(tables)s"),
                              {"tables": ", ".join(problems)})
        if into is None:
            conn = connections["default"]
            conn.ensure_connection()
            if conn.in_atomic_block:
                raise BackupError(gettext_noop("A restore cannot run inside a transaction."))
            name = conn.settings_dict["NAME"]
            if not conn.is_in_memory_db():  # type: ignore[attr-defined]  # (the SQLite wrapper's)
                result.saved_previous = _save_previous(Path(name), conn.connection)
            source.backup(conn.connection)
            result.target = str(name)
            with sqlite_reader() as reader:
                target_tables = sqlite_tables(reader)
        else:
            path = Path(into)
            if not path.exists():
                _private_file(path).close()
            target = sqlite3.connect(path)
            try:
                source.backup(target)
                target_tables = sqlite_tables(target)
            finally:
                target.close()
            os.chmod(path, 0o600)
            result.target = str(path)
    finally:
        source.close()
    result.tables_checked = len(target_tables)
    result.mismatches = _compare(manifest["tables"], target_tables)


def _save_previous(path: Path, live: sqlite3.Connection) -> Path:
    """A copy of the database about to be replaced, beside it (0600): a restore can be undone."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    saved = path.with_name(f"{path.name}.before-restore-{stamp}")
    _private_file(saved).close()
    target = sqlite3.connect(saved)
    try:
        live.backup(target)
    finally:
        target.close()
    return saved


def _restore_postgresql(payload: Path, manifest: dict, into: str | None, result: RestoreResult) -> None:
    connections["default"].close()
    params = _pg_params(into)
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
          "--no-password", f"--dbname={params['dbname']}", str(payload)], _pg_env(params))
    result.target = params["dbname"]
    with _pg_connect(into) as pg:
        target_tables = pg_tables(pg)
        pg.rollback()
    result.tables_checked = len(target_tables)
    result.mismatches = _compare(manifest["tables"], target_tables)


def restore_backup(path: Path, *, into: str | None = None) -> RestoreResult:
    """Restore a backup into the configured database (``into`` None) or into another one (a SQLite
    path, a PostgreSQL database name), then check every table and both audit chains.

    The application, its worker and its scheduler must be stopped for a restore into the
    configured database (``docs/backup.md``). Nothing is written before the whole file has been
    decrypted and authenticated.
    """
    key = load_backup_key()
    vendor = connections["default"].vendor
    scratch = Path(settings.SHOUWANG_BACKUP_DIR)
    work = _private_dir(scratch, ".swbak-restore-")
    try:
        manifest, payload = _unpack(Path(path), key, work)
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(NOT_A_BACKUP)
        if manifest["database"] != vendor:
            raise BackupError(
                gettext_noop("This backup is of a %(kind)s database; the configured database is %(current)s."),
                {"kind": manifest["database"], "current": vendor})
        result = RestoreResult(manifest=manifest, target="")
        if vendor == "sqlite":
            _restore_sqlite(payload, manifest, into, result)
        else:
            _restore_postgresql(payload, manifest, into, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _verify_chains(result, into)
    result.data_key_matches = manifest.get("data_key_fingerprint") == data_key_fingerprint()
    return result
