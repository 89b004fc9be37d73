"""Writing and verifying the change log and the access log.

Every entry's hash is SHA-256 over the previous entry's hash and the entry's own canonical
content, so editing or deleting a row breaks the chain from that row on (``verify_audit``).
Appends happen in the caller's transaction: if the audit write fails, the change fails too.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from .bulk import insert_rows
from .models import AccessLog, ChainedLogEntry, ChainHead, ChangeLog

GENESIS = "0" * 64
_HASHED_FIELDS = (
    "time", "username", "request_id", "source", "object_type", "object_id", "object_repr", "region_code",
)


@dataclass
class AuditContext:
    """Who is acting, from where: set per request by middleware and per command by ``acting_as``."""

    user: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    source: str = ""
    request: Any = None

    def acting_user(self):
        """The user now; for a request, read late so DRF token authentication is seen too."""
        if self.user is None and self.request is not None:
            return getattr(self.request, "user", None)
        return self.user


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("shouwang_audit", default=None)


def current_context() -> AuditContext:
    return _context.get() or AuditContext(source="system")


@contextmanager
def acting_as(user=None, source: str = "", request_id: str | None = None) -> Iterator[AuditContext]:
    ctx = AuditContext(user=user, source=source, request_id=request_id or uuid.uuid4().hex)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def acting_unless_known(user, source: str) -> AbstractContextManager:
    """``acting_as(user, source)`` unless a request, a job or a command already says who acts.

    Services call it around their writes, so a change made from a shell or a test is still
    attributed to its user, while one made in a request keeps the request's context.
    """
    if user is None or current_context().acting_user() is not None:
        return nullcontext()
    return acting_as(user, source=source)


_EXTRA = {ChangeLog: ("action", "before", "after"), AccessLog: ("action", "fields", "reason", "detail")}
_JSON_FIELDS = {"before", "after", "detail"}


# json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), without a new encoder per call.
_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode

_encode_str = json.encoder.encode_basestring  # what ``_dumps`` does with a str (ensure_ascii=False)
_LAYOUTS: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}


def _layout(extra: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(name, '"name": ') of each hashed field, in the sorted order of the canonical JSON."""
    layout = _LAYOUTS.get(extra)
    if layout is None:
        layout = _LAYOUTS[extra] = tuple((name, f"{_encode_str(name)}: ") for name in sorted(_HASHED_FIELDS + extra))
    return layout


def _value_json(value: Any) -> str:
    """``_dumps(value)``, without the encoder's call for the usual text and null."""
    if value.__class__ is str:
        return _encode_str(value)
    return "null" if value is None else _dumps(value)


_last_time: tuple[Any, str] = (None, "")


def _entry_hash(
    prev: str, values: dict[str, Any], extra: tuple[str, ...], encoded: dict[str, str] | None = None
) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON (time as ISO 8601): the text
    of ``_dumps`` of the hashed fields, written out field by field in the same sorted order
    (an import hashes hundreds of thousands of entries).

    ``encoded``: JSON columns already encoded with ``_dumps`` (name → text), reused as they are."""
    global _last_time
    when, text = _last_time
    if values["time"] is not when:  # the entries of one operation share one instant
        _last_time = when, text = values["time"], _encode_str(values["time"].isoformat())
    encoded = encoded or {}
    parts = [
        key + (text if name == "time" else encoded[name] if name in encoded else _value_json(values[name]))
        for name, key in _layout(extra)
    ]
    return hashlib.sha256((prev + "{" + ", ".join(parts) + "}").encode()).hexdigest()


def _append(model: type[ChainedLogEntry], entries: list[dict[str, Any]]) -> int:
    """Chain and insert entries given as plain values (field name → value).

    An import logs every row it writes (hundreds of thousands of entries), so entries never
    become model instances here: building instances and bulk_create's per-value preparation
    took most of a county-sized import. One executemany writes them all.
    """
    if not entries:
        return 0
    name = model._meta.model_name
    extra = _EXTRA[model]
    conn = connections[router.db_for_write(model)]
    time_field = model._meta.get_field("time")
    columns = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    json_columns = [(i, c) for i, c in enumerate(columns) if c in _JSON_FIELDS]
    time_index = columns.index("time")
    user_index = columns.index("user")
    with transaction.atomic(using=conn.alias):
        ChainHead.objects.get_or_create(name=name, defaults={"last_hash": GENESIS})
        head = ChainHead.objects.select_for_update().get(name=name)
        prev = head.last_hash
        prepared_times: dict[Any, Any] = {}
        rows = []
        for entry in entries:
            encoded = {c: _dumps(entry[c]) for _i, c in json_columns if entry.get(c) is not None}
            entry["prev_hash"] = prev
            entry["hash"] = prev = _entry_hash(prev, entry, extra, encoded)
            row = [entry.get(column) for column in columns]
            for i, column in json_columns:
                row[i] = encoded.get(column)
            value = row[time_index]
            if value not in prepared_times:
                prepared_times[value] = time_field.get_db_prep_save(value, conn)
            row[time_index] = prepared_times[value]
            user = row[user_index]
            row[user_index] = user.pk if user is not None else None
            rows.append(row)
        insert_rows(model, columns, rows, using=conn.alias)
        ChainHead.objects.filter(name=name).update(last_hash=prev)
    return len(entries)


def _base(ctx: AuditContext, obj_type: str, obj_id: Any, obj_repr: str, region_code: str, now=None) -> dict:
    acting = ctx.acting_user()
    user = acting if getattr(acting, "is_authenticated", False) else None
    return {
        "time": now or timezone.now(),
        "user": user,
        "username": getattr(user, "username", "") or "",
        "request_id": ctx.request_id,
        "source": ctx.source[:200],
        "object_type": obj_type,
        "object_id": "" if obj_id is None else str(obj_id),
        "object_repr": (obj_repr or "")[:200],
        "region_code": region_code or "",
    }


@dataclass
class Change:
    """One change to record; snapshots must already have personal data masked."""

    action: str
    object_type: str
    object_id: Any
    object_repr: str = ""
    region_code: str = ""
    before: dict | None = None
    after: dict | None = None


def record_changes(changes: Iterable[Change]) -> int:
    ctx = current_context()
    now = timezone.now()  # one instant for the changes of one operation
    common = _base(ctx, "", None, "", "", now)  # who, when, from where: the same for every change
    entries = [
        common
        | {
            "object_type": c.object_type,
            "object_id": "" if c.object_id is None else str(c.object_id),
            "object_repr": (c.object_repr or "")[:200],
            "region_code": c.region_code or "",
            "action": c.action,
            "before": c.before,
            "after": c.after,
        }
        for c in changes
    ]
    return _append(ChangeLog, entries)


def record_access(
    action: str, *, object_type: str = "", object_id: Any = "", object_repr: str = "", region_code: str = "",
    fields: str = "", reason: str = "", detail: dict | None = None, user=None,
) -> int:
    ctx = current_context()
    if user is not None:
        ctx = AuditContext(user=user, request_id=ctx.request_id, source=ctx.source)
    entry = _base(ctx, object_type, object_id, object_repr, region_code)
    entry.update(action=action, fields=fields, reason=reason, detail=detail)
    return _append(AccessLog, [entry])


def verify_chain(model: type[ChainedLogEntry]) -> tuple[int, list[int]]:
    """Recompute the chain; return (entries checked, ids of entries whose hash or link is wrong)."""
    prev = GENESIS
    extra = _EXTRA[model]
    broken: list[int] = []
    count = 0
    for entry in model._default_manager.order_by("id").iterator(chunk_size=2000):
        count += 1
        values = {name: getattr(entry, name) for name in _HASHED_FIELDS + extra}
        if entry.prev_hash != prev or entry.hash != _entry_hash(entry.prev_hash, values, extra):
            broken.append(entry.pk)
        prev = entry.hash
    head = ChainHead.objects.filter(name=model._meta.model_name).first()
    if count and head and head.last_hash != prev:
        broken.append(-1)  # rows removed from the end
    return count, broken


# --- how the audit pages name what an entry is about ---------------------------------------------

# Entries about something that is not a model ("monitoring.screening", "registry_import") are named
# by the part that writes them, registered from its ``apps.py`` ready(); models name themselves.
_OBJECT_TYPES: dict[str, tuple[Any, dict[str, Any]]] = {}
_VALUES: dict[str, dict[str, dict[Any, Any]]] = {}


def register_object_type(object_type: str, label=None, fields: dict[str, Any] | None = None,
                         values: dict[str, dict[Any, Any]] | None = None) -> None:
    """Name an ``object_type`` that is not "app.model", the keys its before/after hold that are not
    fields of its model (``label`` None: a model's, which names itself), and the words for coded
    values of those keys (``{"action": {"verify": _("Start verifying")}}``)."""
    known = _OBJECT_TYPES.get(object_type, (None, {}))
    _OBJECT_TYPES[object_type] = (label if label is not None else known[0], known[1] | dict(fields or {}))
    for key, words in (values or {}).items():
        _VALUES.setdefault(object_type, {}).setdefault(key, {}).update(words)


def registered_object_type(object_type: str) -> tuple[Any, dict[str, Any]] | None:
    """(label, field labels) registered for ``object_type``, or None."""
    return _OBJECT_TYPES.get(object_type)


def registered_values(object_type: str, key: str) -> dict[Any, Any]:
    """The words registered for the coded values of ``key`` in entries about ``object_type``."""
    return _VALUES.get(object_type, {}).get(key, {})
