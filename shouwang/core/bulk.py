"""Raw bulk inserts for generated or imported data at registry scale.

``bulk_create`` spends about 5 µs per value in Django's per-field preparation (ecosystem.md
§6.3), which is most of a minute for a million registry rows. Here the caller hands values that
are already in database form (strings, ints, bools, ``Decimal``, ciphertext): on SQLite one
parameterised INSERT runs through ``cursor.executemany``; on PostgreSQL the rows are streamed
with ``COPY … FROM STDIN`` (psycopg's ``Cursor.copy``), several times faster than INSERTs.
Nothing goes through ``save()``, so no signals fire; columns the caller leaves out get their
field's default (or "now" for ``auto_now``/``auto_now_add``), prepared once for the whole insert.

Inside :func:`background_inserts`, ``insert_rows`` only stages the rows in a temporary table
without indexes and a thread of its own moves them into the real table with one ``INSERT …
SELECT``: the B-tree and index work, most of an insert's time, then runs beside the caller's
Python (SQLite releases the GIL for a statement's whole run; PostgreSQL works in its own process).
:func:`reserve_ids` gives the primary keys of rows to insert, so nothing needs reading back.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import ForeignObjectRel
from django.db.transaction import TransactionManagementError
from django.utils import timezone


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    batch_size: int = 5000,
    using: str | None = None,
) -> int:
    """Insert ``rows`` (tuples in the order of ``fields``) into ``model``'s table; return the count.

    ``fields`` are model field names, mapped to the table's column names; the other concrete
    columns get their defaults (see :func:`_defaults`). Generated fields cannot be written. All
    batches run in one transaction, so a failure leaves nothing.
    New primary keys are not returned: read them back by a unique column.
    """
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    columns = []
    for name in fields:
        field = opts.get_field(name)
        if getattr(field, "generated", False):
            raise ValueError(f"{opts.label}.{name} is a generated column and cannot be inserted.")
        columns.append(connection.ops.quote_name(column_of(field)))
    constants, per_row = _defaults(opts, set(fields), connection)
    columns += [connection.ops.quote_name(column_of(f)) for f, _ in constants + per_row]
    tail = tuple(value for _, value in constants)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(opts.db_table),
        ", ".join(columns),
        ", ".join(["%s"] * len(columns)),
    )
    total = 0
    iterator = iter(rows)
    copy = None
    if connection.vendor == "postgresql":
        copy = "COPY {} ({}) FROM STDIN".format(connection.ops.quote_name(opts.db_table), ", ".join(columns))
    writer: _BackgroundWriter | None = _WRITERS.get(connection)
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        if writer is not None:  # into the staging table instead
            staging = writer.stage(cursor, opts.db_table, columns, with_pk=quote(column_of(opts.pk)) in columns)
            copy, sql = (staging, sql) if copy else (None, staging)
        while batch := list(islice(iterator, batch_size)):
            if per_row:
                batch = [
                    (*row, *tail, *(f.get_db_prep_save(make(), connection) for f, make in per_row))
                    for row in batch
                ]
            elif tail:
                batch = [(*row, *tail) for row in batch]
            if copy:
                # Through Django's error wrapper, so a violation is an IntegrityError as with INSERT.
                with connection.wrap_database_errors, cursor.cursor.copy(copy) as stream:
                    for row in batch:
                        stream.write_row(row)
            else:
                cursor.executemany(sql, batch)
            total += len(batch)
    return total


def reserve_ids(model: type[models.Model], count: int, using: str | None = None) -> list[int]:
    """Primary keys for ``count`` new rows of ``model``, to insert them with (nothing read back).

    PostgreSQL: drawn from the column's sequence. SQLite: the ids after the largest one the table
    ever gave (its ``sqlite_sequence`` entry, or its largest id), inside a transaction, which holds
    the database's write lock from its start (``transaction_mode`` IMMEDIATE): insert those rows
    before reserving ids of the same table again in that transaction. Inside
    :func:`background_inserts` the next ids of a table are remembered (no statement, so no wait for
    rows still staged) until a statement other than staging names the table, or rows without ids
    are staged for it.
    """
    if count <= 0:
        return []
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    table, pk = opts.db_table, column_of(opts.pk)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise TransactionManagementError("reserve_ids() needs a transaction on SQLite.")
        writer: _BackgroundWriter | None = _WRITERS.get(connection)
        if writer is not None and table in writer.next_ids:
            start = writer.next_ids[table]
            writer.next_ids[table] = start + count
            return list(range(start, start + count))
        cursor.execute(
            f"SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"COALESCE((SELECT max({quote(pk)}) FROM {quote(table)}), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
        if writer is not None:
            writer.next_ids[table] = start + count
    return list(range(start, start + count))


@contextmanager
def background_inserts(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block, :func:`insert_rows` only stages its rows, and :func:`write_staged` has them
    written into their tables on a thread of its own while the caller goes on with work that does
    not touch the database (SQLite and PostgreSQL; elsewhere, and nested, nothing changes).

    The rows wait in temporary tables without indexes (SQLite: untyped columns, the values kept as
    bound; PostgreSQL: the table's types, filled by COPY); the thread runs ``INSERT INTO table
    SELECT … FROM stage``, one statement per table: most of an insert's time (the B-tree and index
    work), spent without the GIL (inside SQLite, or while the PostgreSQL server works). The
    connection is never used by two threads at once, and no statement misses a staged row: any
    statement of the caller first waits for the thread to be idle (staging too), and one that
    names a table with rows still staged has them written first. The end of the block writes what
    is left; it must lie inside the transaction (``with transaction.atomic(),
    background_inserts():``). An error of the thread (a violated constraint) is raised as Django's
    database error by that wait, and the transaction rolls back. Ended by an exception, the block
    drops what is staged or queued. Statements sent on the raw connection, past Django's cursor,
    are not covered.
    """
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql") or _WRITERS.get(connection) is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise TransactionManagementError("background_inserts() needs a transaction.")
    writer = _WRITERS[connection] = _BackgroundWriter(connection)
    try:
        with connection.execute_wrapper(writer.before_statement):
            yield
    except BaseException:
        writer.close(failed=True)
        raise
    else:
        writer.close(failed=False)
    finally:
        del _WRITERS[connection]


@contextmanager
def bulk_transaction(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """One transaction for a write at registry scale: ``transaction.atomic`` with
    :func:`background_inserts` inside, and on SQLite the write-ahead log checkpointed afterwards
    on a thread of its own (:func:`checkpoint_afterwards`)."""
    with checkpoint_afterwards(using), transaction.atomic(using=using), background_inserts(using):
        yield


@contextmanager
def checkpoint_afterwards(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """On SQLite in WAL mode: the connection's commits inside the block leave the write-ahead log
    as it is, and at the end a thread of its own copies it into the database (a passive
    checkpoint, as PostgreSQL's checkpointer works beside the sessions that commit).

    SQLite checkpoints in the connection that commits, once the log holds more than
    ``wal_autocheckpoint`` pages: after a county's import (about 500 MB) that copy took 1.4 s of
    the import, with nothing left to wait for. A passive checkpoint blocks no reader or writer;
    should the process end before it is done, the next commit of any connection checkpoints as
    usual (the setting is back at its value). Elsewhere nothing changes.
    """
    with _checkpoint_afterwards(connections[using]):
        yield


@contextmanager
def _checkpoint_afterwards(connection) -> Iterator[None]:
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = cursor.fetchone()[0]
    path = connection.settings_dict["NAME"]
    if str(mode).lower() != "wal" or not pages or connection.is_in_memory_db():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        threading.Thread(target=_checkpoint, args=(str(path),), name=CHECKPOINT_THREAD).start()


CHECKPOINT_THREAD = "shouwang-wal-checkpoint"


def _checkpoint(path: str) -> None:
    """A passive checkpoint of the SQLite database at ``path``, on a connection of its own."""
    import sqlite3

    with suppress(sqlite3.Error):
        database = sqlite3.connect(path, timeout=30)
        try:
            database.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            database.close()


def write_staged(using: str = DEFAULT_DB_ALIAS) -> None:
    """Inside :func:`background_inserts`: start writing the staged rows on the block's thread (call
    it before work that leaves the database alone for a while). Elsewhere: nothing to do."""
    writer: _BackgroundWriter | None = _WRITERS.get(connections[using])
    if writer is not None:
        writer.release()


_WRITERS: weakref.WeakKeyDictionary[Any, _BackgroundWriter] = weakref.WeakKeyDictionary()  # connection → its block's


class _BackgroundWriter:
    """The thread of :func:`background_inserts` and the staging tables it writes rows from."""

    STAGED = "__staged_"  # in the name of every staging table, and so in every statement on one

    def __init__(self, connection) -> None:
        connection.ensure_connection()
        self.connection = connection
        self.raw = connection.connection
        self.jobs: queue.SimpleQueue[tuple[str, ...] | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()
        self.busy = 0  # jobs handed to the thread and not yet done
        self.cancelled = False
        self.error: BaseException | None = None
        self.stages: dict[tuple[str, tuple[str, ...]], str] = {}  # (table, columns) → staging table
        self.staged: dict[str, tuple[str, str]] = {}  # staging table with rows → (table name, its move)
        self.next_ids: dict[str, int] = {}  # table → the next id reserve_ids gives (see there)
        self.thread = threading.Thread(target=self._work, name="shouwang-background-inserts", daemon=True)
        self.thread.start()

    def stage(self, cursor, table: str, columns: list[str], *, with_pk: bool) -> str:
        """The statement that stages rows of this table and these columns (an INSERT on SQLite, a
        COPY on PostgreSQL) into their staging table, created when first used; the rows are then
        written by :meth:`release`, or before a statement that names the table. Rows without their
        primary key take ids when written: reserve_ids asks the table again afterwards."""
        self.wait()  # the thread may be emptying this staging table
        if not with_pk:
            self.next_ids.pop(table, None)
        quote = self.connection.ops.quote_name
        sqlite = self.connection.vendor == "sqlite"
        key = (table, tuple(columns))
        name = self.stages.get(key)
        listed = ", ".join(columns)
        staged = ", ".join(f"c{i}" for i in range(len(columns))) if sqlite else listed
        if name is None:
            name = self.stages[key] = quote(f"{table}{self.STAGED}{len(self.stages)}")
            if sqlite:  # no types: the values kept as bound, converted by the table as an INSERT would
                cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({staged})")
            else:  # the table's types, without its constraints and indexes
                cursor.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS {name} AS SELECT {listed} FROM {quote(table)} WITH NO DATA"
                )
            cursor.execute(self._empty(name))  # left over from a block that failed
        if name not in self.staged:
            order = " ORDER BY rowid" if sqlite else ""  # ids given at the move follow the staging order
            move = f"INSERT INTO {quote(table)} ({listed}) SELECT {staged} FROM {self._temp(name)}{order}"
            self.staged[name] = (table, move)
        if sqlite:
            return f"INSERT INTO temp.{name} VALUES ({', '.join(['%s'] * len(columns))})"
        return f"COPY {name} ({listed}) FROM STDIN"

    def _temp(self, name: str) -> str:
        return f"temp.{name}" if self.connection.vendor == "sqlite" else name

    def _empty(self, name: str) -> str:
        return f"DELETE FROM temp.{name}" if self.connection.vendor == "sqlite" else f"TRUNCATE {name}"

    def release(self) -> None:
        """Hand the staged rows to the thread, in the order they were staged."""
        staged, self.staged = self.staged, {}
        for name, (_table, move) in staged.items():
            with self.lock:
                self.busy += 1
                self.idle.clear()
            self.jobs.put((move, self._empty(name)))

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                if self.error is None and not self.cancelled:
                    for sql in job:
                        self.raw.execute(sql)
            except BaseException as exc:  # raised on the caller's thread by wait()
                self.error = exc
            finally:
                with self.lock:
                    self.busy -= 1
                    if not self.busy:
                        self.idle.set()

    def wait(self) -> None:
        """Until the thread has run everything handed to it; its error, if any, raised here."""
        self.idle.wait()
        if self.error is not None:
            error, self.error = self.error, None
            with self.connection.wrap_database_errors:
                raise error

    def before_statement(self, execute, sql, params, many, context):
        if self.STAGED not in sql:
            if any(table in sql for table, _move in self.staged.values()):
                self.release()  # the statement may read them: written first
            for table in [t for t in self.next_ids if t in sql]:
                del self.next_ids[table]  # it may insert rows: reserve_ids asks the table again
        self.wait()
        return execute(sql, params, many, context)

    def close(self, *, failed: bool) -> None:
        """Stop the thread (after writing what is staged or queued, or at once when ``failed``);
        drop the staging tables."""
        if failed:
            self.cancelled = True
        else:
            self.release()
        self.jobs.put(None)
        self.thread.join()
        with suppress(self.connection.Database.Error):  # a temporary table goes with the connection anyway
            for name in self.stages.values():
                self.raw.execute(f"DROP TABLE IF EXISTS {self._temp(name)}")
        if not failed:
            self.wait()


def column_of(field: models.Field[Any, Any] | ForeignObjectRel) -> str:
    """The table column of a model field (what ``_meta.get_field`` returns).

    A relation seen from its other side (``household.members``) or a many-to-many field has no
    column of its own: a ValueError.
    """
    column = field.column if isinstance(field, models.Field) else None
    if column is None:
        raise ValueError(f"{field.model._meta.label}.{field.name} is not a column of the table.")
    return column


def column_defaults(model: type[models.Model], fields: Sequence[str], connection) -> dict[str, Any]:
    """Database values of the concrete columns ``fields`` leave out, by attribute name (``x_id``).

    What ``insert_rows`` fills in, for a writer that inserts with ``INSERT … SELECT`` instead.
    A column whose default is computed per row (a callable other than "now") cannot be one value
    for all rows: name it in ``fields``.
    """
    constants, per_row = _defaults(model._meta, set(fields), connection)
    if per_row:
        names = ", ".join(f.name for f, _ in per_row)
        raise ValueError(f"{model._meta.label}: give the per-row defaults ({names}) explicitly.")
    return {f.attname: value for f, value in constants}


def _defaults(
    opts, given: set[str], connection
) -> tuple[list[tuple[models.Field, Any]], list[tuple[models.Field, Any]]]:
    """Values for the concrete columns not given: constants, and callables to evaluate per row."""
    constants, per_row = [], []
    for f in opts.concrete_fields:
        if f.name in given or f.attname in given or getattr(f, "generated", False):
            continue
        if isinstance(f, models.AutoField) or (f.primary_key and not f.has_default()):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            now = timezone.now()
            value = (
                now.date()
                if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
                else now
            )
            constants.append((f, f.get_db_prep_save(value, connection)))
        elif f.has_default() and callable(f.default):
            per_row.append((f, f.default))
        else:
            value = f.get_default()  # the default, "" for a blank text column, None otherwise
            if value is None and not f.null:
                raise ValueError(f"{opts.label}.{f.name} has no default: give it to insert_rows.")
            constants.append((f, f.get_db_prep_save(value, connection)))
    return constants, per_row


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    batch_size: int = 2000,
    using: str | None = None,
) -> int:
    """Update rows by primary key: each row is ``(pk, value of fields[0], value of fields[1], …)``.

    Values are model values (a dict for a JSON field, a date...), prepared by their fields here;
    one parameterised UPDATE runs through ``cursor.executemany`` (``bulk_update`` builds a CASE
    expression per row and field, minutes for a county's rows). ``auto_now`` fields among the
    table's columns are set to now. No ``save()``, no signals. Returns the number of rows given.
    """
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    prepared: list[models.Field[Any, Any]] = []
    for name in fields:
        field = opts.get_field(name)
        if not isinstance(field, models.Field):
            raise ValueError(f"{opts.label}.{name} is not a column.")
        prepared.append(field)
    stamped = [f for f in opts.concrete_fields if getattr(f, "auto_now", False) and f.name not in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column_of(f))} = %s" for f in (*prepared, *stamped))
    sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(column_of(opts.pk))} = %s"
    now = [f.get_db_prep_save(timezone.now(), connection) for f in stamped]
    total = 0
    iterator = iter(rows)
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        while batch := list(islice(iterator, batch_size)):
            cursor.executemany(sql, [
                (*(f.get_db_prep_save(value, connection) for f, value in zip(prepared, row[1:], strict=True)),
                 *now, row[0])
                for row in batch
            ])
            total += len(batch)
    return total
