"""Change-log snapshots of registry objects, with personal data masked.

``snapshot`` is the one place that decides what of a household, member or household-year
goes into the change log: every concrete field except the encrypted numbers, the blind index
(a stable pseudonym), database-computed columns and timestamps (the log row has its own time).
The bulk importer calls it too, so both paths log the same shape.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models

from shouwang.core.audit import Change

from .models import Household, HouseholdYear, Member

# Never in a snapshot: plaintext-bearing encrypted columns, the blind index and the import digest
# (a hash over the household's values, phone numbers included).
EXCLUDED = frozenset({"id_number", "phone", "id_index", "import_digest", "created_at", "updated_at"})
AUDITED_MODELS: tuple[type[models.Model], ...] = (Household, Member, HouseholdYear)

_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "registry_change_log_suppressed", default=False
)


def snapshot_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in EXCLUDED and not isinstance(f, models.GeneratedField)
    ]


def _json(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """A JSON-ready dict of the object's logged fields (foreign keys by their raw id)."""
    return {f.attname: _json(getattr(obj, f.attname)) for f in snapshot_fields(type(obj))}


def object_type(obj_or_model: models.Model | type[models.Model]) -> str:
    return obj_or_model._meta.label_lower


def make_change(
    action: str, obj: models.Model, before: dict | None = None, after: dict | None = None
) -> Change:
    """A ``Change`` for ``shouwang.core.audit.record_changes`` (bulk writers build theirs with this)."""
    return Change(
        action=action,
        object_type=object_type(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        region_code=getattr(obj, "region_code", "") or "",
        before=before,
        after=after,
    )


def change_log_suppressed() -> bool:
    return _suppressed.get()


@contextmanager
def suppress_change_log() -> Iterator[None]:
    """Turn the per-object signal logging off, for bulk work that records its own changes
    (the importer) or that must not flood the log one row at a time (demo seeding)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)
