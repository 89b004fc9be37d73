"""Writing and verifying the change log and the access log (tamper evidence, security.md §5.9, G15, G16).

Each log is a chain. An entry's ``hash`` is HMAC-SHA256, under the **audit key**, of the chain's
name, the previous entry's ``hash`` and the entry's canonical JSON: every column (time, acting
user's id and username, client address, result, request id, source, object type/id/text, region,
action, before/after or fields/reason/detail) and its sequence number ``seq`` (1, 2, …, no gaps).
Editing, deleting, inserting or reordering rows breaks the chain at that row; without the key,
nobody can compute the MACs of forged or rewritten rows, however much of the chain they rewrite.

The audit key lives outside the database, like the data key: ``SHOUWANG_AUDIT_KEY`` or the key
file ``SHOUWANG_AUDIT_KEY_FILE`` (``manage.py init_keys``; created by itself in development and
set by the test settings). ``ChainHead`` holds each chain's last ``seq`` and ``hash`` and a MAC
over them: it is the lock that serialises appends and lets a verifier see rows cut from the end,
but a head rewritten without the key does not verify. What a holder of the key (or of the
database superuser) could still do, cut the tail and re-sign the head, is caught by the daily
**anchors** written outside the database (:mod:`shouwang.core.anchors`): every anchored entry
must still be there with the MAC the anchor holds. On PostgreSQL ``manage.py protect_audit``
makes the log tables insert-only and the head forward-only for the application's role.

Entries written before the audit key (version 1) keep their rule: SHA-256 over the previous hash
and fewer fields (no user id, client address or result). The version marker is per entry: a
version 1 entry has no ``seq``, a keyed one has one, under its MAC. That was chosen over
re-anchoring with a checkpoint row because nothing old is rewritten (rewriting an audit log is
what it must prevent) and no extra row needs writing at upgrade time: the first keyed entry's MAC
covers the last version 1 hash, so no version 1 entry can be changed, removed or recomputed
without breaking that link, and a version 1 entry after a keyed one is refused (no downgrade;
turning every keyed entry back into version 1 is caught by the anchors). Their user id, which
their hash never covered, keeps its old, weaker guarantee (the username is covered).

Appends happen in the caller's transaction: if the audit write fails, the change fails too.
An import appends hundreds of thousands of entries, so ``_append`` works on plain dicts, builds
the canonical text field by field and MACs it with a copy of one pre-keyed HMAC object.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from .bulk import insert_rows
from .models import AccessLog, ChainedLogEntry, ChainHead, ChangeLog

GENESIS = "0" * 64
RESULT_OK, RESULT_DENIED, RESULT_FAILED = (str(r) for r in ChainedLogEntry.Result)
# Fields of a version 1 entry's hash (the same for both logs, then each log's own ones).
_HASHED_FIELDS = (
    "time", "username", "request_id", "source", "object_type", "object_id", "object_repr", "region_code",
)
# A keyed entry's MAC covers these as well: every column but its id and hashes.
_KEYED_FIELDS = _HASHED_FIELDS + ("user_id", "client_ip", "result", "seq")


# --- the audit key ---------------------------------------------------------------------------------


def _read_key(raw: str, what: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"The {what} must be 32 bytes, base64-encoded.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"The {what} must be 32 bytes, base64-encoded.")
    return key


@lru_cache(maxsize=1)
def audit_key() -> bytes:
    """The audit key: ``SHOUWANG_AUDIT_KEY``, else the key file (created in development)."""
    from .crypto import ensure_key_file

    raw = settings.SHOUWANG_AUDIT_KEY
    if not raw:
        path = Path(settings.SHOUWANG_AUDIT_KEY_FILE)
        if not path.exists():
            if settings.PRODUCTION:
                raise ImproperlyConfigured("No audit key: set SHOUWANG_AUDIT_KEY or run manage.py init_keys.")
            ensure_key_file(path)
        raw = path.read_text().strip()
    return _read_key(raw, "audit key")


@lru_cache(maxsize=1)
def _keyed() -> Any:
    """HMAC-SHA256 with the audit key, keyed once: each entry MACs a ``.copy()`` of it.

    Where ``hmac`` runs on OpenSSL's HMAC (``_hmac``), that object is used itself: copying it
    costs what SHA-256 of an entry costs, while the Python wrapper's ``copy`` costs as much again.
    """
    mac = hmac.new(audit_key(), digestmod=hashlib.sha256)
    return getattr(mac, "_hmac", None) or mac


def reset_audit_key() -> None:
    """Forget the cached key (tests that switch keys)."""
    audit_key.cache_clear()
    _keyed.cache_clear()


def keyed_mac(text: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of ``text`` under the audit key (or ``key``), hex."""
    if key is None:
        mac = _keyed().copy()
        mac.update(text.encode())
        return mac.hexdigest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def head_mac(name: str, seq: int, last_hash: str, key: bytes | None = None) -> str:
    """The MAC that makes a chain head trustworthy: over its name, last sequence number and hash."""
    return keyed_mac(f"head\n{name}\n{seq}\n{last_hash}", key)


# --- who is acting ---------------------------------------------------------------------------------


@dataclass
class AuditContext:
    """Who is acting, from where: set per request by middleware and per command by ``acting_as``."""

    user: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    source: str = ""
    request: Any = None
    client_ip: str = ""

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


# --- canonical text and MACs -------------------------------------------------------------------------

_EXTRA = {ChangeLog: ("action", "before", "after"), AccessLog: ("action", "fields", "reason", "detail")}
_JSON_FIELDS = {"before", "after", "detail"}


# json.dumps(value, sort_keys=True, ensure_ascii=False, default=str): the same C encoder, made once,
# without the check for circular structures (snapshots are plain trees).
def _make_dumps():
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode
    encoder = make(None, str, json.encoder.encode_basestring, None, ": ", ", ", True, False, True)
    return lambda value: "".join(encoder(value, 0))


_dumps = _make_dumps()


_encode_str = json.encoder.encode_basestring  # what ``_dumps`` does with a str (ensure_ascii=False)
_LAYOUTS: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[tuple[str, str], ...]] = {}


def _layout(extra: tuple[str, ...], fields: tuple[str, ...] = _HASHED_FIELDS) -> tuple[tuple[str, str], ...]:
    """(name, '"name": ') of each hashed field, in the sorted order of the canonical JSON."""
    layout = _LAYOUTS.get((fields, extra))
    if layout is None:
        layout = _LAYOUTS[fields, extra] = tuple(
            (name, f"{_encode_str(name)}: ") for name in sorted(fields + extra))
    return layout


def _value_json(value: Any) -> str:
    """``_dumps(value)``, without the encoder's call for the usual text, null and whole numbers."""
    cls = value.__class__
    if cls is str:
        return _encode_str(value)
    if cls is int:
        return str(value)
    return "null" if value is None else _dumps(value)


_last_time: tuple[Any, str] = (None, "")


def _canonical(values: dict[str, Any], layout: tuple[tuple[str, str], ...],
               encoded: dict[str, str] | None = None) -> str:
    """The entry's canonical JSON: the text of ``_dumps`` of the hashed fields (time as ISO 8601),
    written out field by field in the same sorted order (an import hashes hundreds of thousands
    of entries). ``encoded``: columns already encoded (name → JSON text: the JSON columns, the time),
    reused; the time is added to it."""
    if encoded is None:
        encoded = {"time": _time_json(values["time"])}
    elif "time" not in encoded:
        encoded["time"] = _time_json(values["time"])
    parts = [key + (encoded[name] if name in encoded else _value_json(values[name])) for name, key in layout]
    return "{" + ", ".join(parts) + "}"


def _time_json(when: Any) -> str:
    """The JSON text of a time (ISO 8601), kept for the next entry: those of one operation share it."""
    global _last_time
    seen, text = _last_time
    if when is not seen:
        _last_time = when, text = when, _encode_str(when.isoformat())
    return text


def _entry_hash(
    prev: str, values: dict[str, Any], extra: tuple[str, ...], encoded: dict[str, str] | None = None
) -> str:
    """Version 1 (before the audit key): SHA-256 over the previous hash and the canonical JSON."""
    return hashlib.sha256((prev + _canonical(values, _layout(extra), encoded)).encode()).hexdigest()


def entry_mac(name: str, prev: str, values: dict[str, Any], extra: tuple[str, ...],
              encoded: dict[str, str] | None = None, key: bytes | None = None) -> str:
    """Version 2: HMAC-SHA256 (audit key, or ``key``) over the chain's name, the previous hash and
    the canonical JSON of every keyed field (``values`` keyed by attribute name: ``user_id``)."""
    return keyed_mac(f"{name}\n{prev}" + _canonical(values, _layout(extra, _KEYED_FIELDS), encoded), key)


def _append(model: type[ChainedLogEntry], entries: list[dict[str, Any]]) -> int:
    """Chain and insert entries given as plain values (field name → value).

    An import logs every row it writes (hundreds of thousands of entries), so entries never
    become model instances here: building instances and bulk_create's per-value preparation
    took most of a county-sized import. One executemany (COPY on PostgreSQL) writes them all.
    """
    if not entries:
        return 0
    name = str(model._meta.model_name)
    extra = _EXTRA[model]
    layout = _layout(extra, _KEYED_FIELDS)
    base = _keyed()
    conn = connections[router.db_for_write(model)]
    time_field = model._meta.get_field("time")
    columns = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    json_columns = [(i, c) for i, c in enumerate(columns) if c in _JSON_FIELDS]
    time_index = columns.index("time")
    user_index = columns.index("user")
    values_of = itemgetter(*columns)  # every entry carries every column (``_base`` and the recorders)
    # The JSON columns first, before the chain is read: inside bulk.background_inserts the rows
    # written before are still being moved into their tables meanwhile.
    texts = [{c: _dumps(entry[c]) for _i, c in json_columns if entry.get(c) is not None} for entry in entries]
    with transaction.atomic(using=conn.alias):
        head = ChainHead.objects.select_for_update().filter(name=name).first()
        if head is None:
            ChainHead.objects.get_or_create(name=name, defaults={"last_hash": GENESIS})
            head = ChainHead.objects.select_for_update().get(name=name)
        prev, seq = head.last_hash, head.seq
        prepared_times: dict[Any, Any] = {}
        user: Any = None
        user_id = None
        lead = name + "\n"
        rows = []
        for entry, encoded in zip(entries, texts, strict=True):
            if entry["user"] is not user:  # the entries of one operation share their user
                user = entry["user"]
                user_id = None if user is None else user.pk
            entry["user_id"] = user_id
            seq += 1
            entry["seq"] = seq
            entry["prev_hash"] = prev
            mac = base.copy()
            mac.update((lead + prev + _canonical(entry, layout, encoded)).encode())
            entry["hash"] = prev = mac.hexdigest()
            row = list(values_of(entry))
            for i, column in json_columns:
                row[i] = encoded.get(column)
            value = row[time_index]
            if value not in prepared_times:
                prepared_times[value] = time_field.get_db_prep_save(value, conn)
            row[time_index] = prepared_times[value]
            row[user_index] = user_id
            rows.append(row)
        # The head first: inside bulk.background_inserts the entries are then written beside the caller.
        ChainHead.objects.filter(name=name).update(last_hash=prev, seq=seq, mac=head_mac(name, seq, prev))
        insert_rows(model, columns, rows, using=conn.alias)
    return len(entries)


# --- recording -----------------------------------------------------------------------------------------


def _base(ctx: AuditContext, obj_type: str, obj_id: Any, obj_repr: str, region_code: str, now=None) -> dict:
    acting = ctx.acting_user()
    user = acting if getattr(acting, "is_authenticated", False) else None
    return {
        "time": now or timezone.now(),
        "user": user,
        "username": getattr(user, "username", "") or "",
        "request_id": ctx.request_id,
        "source": ctx.source[:200],
        "client_ip": (ctx.client_ip or "")[:64],
        "result": RESULT_OK,
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
    """Append the changes (result "ok": a change that failed was rolled back with its entry)."""
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
    fields: str = "", reason: str = "", detail: dict | None = None, user=None, result: str | None = None,
) -> int:
    """Append one access. ``result``: "ok", "denied" or "failed"; by default "failed" for a failed
    login and "ok" for anything else."""
    ctx = current_context()
    if user is not None:
        ctx = AuditContext(user=user, request_id=ctx.request_id, source=ctx.source, client_ip=ctx.client_ip)
    entry = _base(ctx, object_type, object_id, object_repr, region_code)
    if result is None:
        result = RESULT_FAILED if action == AccessLog.Action.LOGIN_FAILED else RESULT_OK
    entry.update(action=action, fields=fields, reason=reason, detail=detail, result=result)
    return _append(AccessLog, [entry])


# --- verifying -----------------------------------------------------------------------------------------

LOGS: tuple[type[ChainedLogEntry], ...] = (ChangeLog, AccessLog)


@dataclass
class ChainCheck:
    """What verifying one chain found.

    ``broken``: ids of entries whose MAC, link or sequence number is wrong, and -1 when the end
    does not match the head or an anchor (entries removed at the end, or a forged head).
    ``problems``: msgids saying what is wrong; ``at``: the MAC of each keyed entry asked for.
    """

    name: str
    checked: int = 0
    broken: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = GENESIS
    keyed: int = 0
    at: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.problems

    def flag(self, problem: str, entry: int = -1) -> None:
        if entry not in self.broken:
            self.broken.append(entry)
        if problem not in self.problems:
            self.problems.append(problem)


# The problems a check reports (msgids: the command and the job translate them).
P_ENTRY = gettext_noop("An entry was changed, inserted, removed or moved (its MAC, link or sequence number is wrong).")
P_DOWNGRADE = gettext_noop("An entry without the audit key's MAC follows keyed entries.")
P_HEAD = gettext_noop("The chain head does not match the last entry (entries removed at the end?).")
P_HEAD_MAC = gettext_noop("The chain head's MAC is wrong (the head was rewritten).")
P_ANCHOR_MISSING = gettext_noop("An anchored entry is missing (entries removed at the end after an anchor).")
P_ANCHOR_CHANGED = gettext_noop("An anchored entry differs from its anchor.")


def check_chain(model: type[ChainedLogEntry], want: Iterable[int] = (), key: bytes | None = None) -> ChainCheck:
    """Recompute one chain from its first entry, and check its head; ``want``: sequence numbers
    whose MACs to note in ``at`` (the anchors'). ``key``: another audit key (tests)."""
    name = str(model._meta.model_name)
    extra = _EXTRA[model]
    layout = _layout(extra, _KEYED_FIELDS)
    base = _keyed() if key is None else hmac.new(key, digestmod=hashlib.sha256)
    lead = name + "\n"
    wanted = set(want)
    check = ChainCheck(name)
    prev = GENESIS
    seq = 0
    keyed = False
    names = ("id", "prev_hash", "hash", *_KEYED_FIELDS, *extra)
    rows = model._default_manager.order_by("id").values(*names)
    for entry in rows.iterator(chunk_size=2000):
        check.checked += 1
        if entry["seq"] is not None:  # keyed (version 2)
            keyed = True
            check.keyed += 1
            mac = base.copy()
            mac.update((lead + entry["prev_hash"] + _canonical(entry, layout)).encode())
            good = entry["seq"] == seq + 1 and entry["prev_hash"] == prev and entry["hash"] == mac.hexdigest()
            seq = entry["seq"]
            if seq in wanted:
                check.at[seq] = entry["hash"]
            if not good:
                check.flag(P_ENTRY, entry["id"])
        elif not keyed:  # version 1, before any keyed entry
            if entry["prev_hash"] != prev or entry["hash"] != _entry_hash(entry["prev_hash"], entry, extra):
                check.flag(P_ENTRY, entry["id"])
        else:
            check.flag(P_DOWNGRADE, entry["id"])
        prev = entry["hash"]
    check.last_seq, check.last_hash = seq, prev
    head = ChainHead.objects.filter(name=name).first()
    if head is None:
        if check.checked:
            check.flag(P_HEAD)
        return check
    if (head.seq or head.mac or keyed) and head.mac != head_mac(name, head.seq, head.last_hash, key):
        check.flag(P_HEAD_MAC)
    if check.checked and (head.seq != seq or head.last_hash != prev):
        check.flag(P_HEAD)
    return check


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
