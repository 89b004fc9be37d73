"""Raw bulk inserts for generated or imported data at registry scale.

``bulk_create`` spends about 5 µs per value in Django's per-field preparation (ecosystem.md
§6.3), which is most of a minute for a million registry rows. Here the caller hands values that
are already in database form (strings, ints, bools, ``Decimal``, ciphertext): on SQLite one
parameterised INSERT runs through ``cursor.executemany``; on PostgreSQL the rows are streamed
with ``COPY … FROM STDIN`` (psycopg's ``Cursor.copy``), several times faster than INSERTs.
Nothing goes through ``save()``, so no signals fire; columns the caller leaves out get their
field's default (or "now" for ``auto_now``/``auto_now_add``), prepared once for the whole insert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models import ForeignObjectRel
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
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
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
