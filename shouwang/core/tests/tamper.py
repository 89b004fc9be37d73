"""Random tampering with the audit chains, as someone who can write the database but lacks the
audit key would do it; shared by the tamper test (small) and ``bench/audit_tamper.py`` (full size).

Every operation changes the stored logs (rows or head) and is undone by the caller (a savepoint
rolled back, and the anchor folder restored). ``run_trials`` asks the verifier after each one.
"""

from __future__ import annotations

import base64
import hashlib
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction

from shouwang.core.anchors import verify, write_anchor
from shouwang.core.audit import (
    _EXTRA,
    GENESIS,
    LOGS,
    Change,
    _entry_hash,
    acting_as,
    entry_mac,
    head_mac,
    record_access,
    record_changes,
)
from shouwang.core.bulk import insert_rows
from shouwang.core.models import AccessLog, ChainedLogEntry, ChainHead

# Columns read and written as they are stored (``user`` by its id).
_COLUMNS = ("time", "user_id", "username", "request_id", "source", "client_ip", "result", "object_type",
            "object_id", "object_repr", "region_code", "seq", "prev_hash", "hash")


def build_chains(users: list[Any], entries: int, rng: random.Random) -> None:
    """About ``entries`` entries in each log, as requests of ``users`` from several addresses."""
    for i in range(entries):
        user = rng.choice(users)
        with acting_as(user, source=rng.choice(["POST /registry/households/", "GET /cases/", "job 7"])) as ctx:
            ctx.client_ip = rng.choice(["10.0.0.7", "192.168.3.20", "2001:db8::5", ""])
            record_changes([Change(action=rng.choice(["create", "update", "delete"]), object_type="registry.member",
                                   object_id=i, object_repr=f"M{i:04d}", region_code="433122102201",
                                   before={"name": f"n{i}", "income": i * 10} if i % 3 else None,
                                   after={"name": f"n{i + 1}", "flags": [1, 2], "note": "户主"})])
            record_access(rng.choice(["unmask", "export", "login_failed", "login"]), object_type="household",
                          object_id=i, object_repr=f"H{i:04d}", region_code="433122102", fields="id_number",
                          reason=f"visit {i}", detail={"rows": i, "format": "csv"} if i % 2 else None,
                          result=rng.choice([None, "ok", "denied"]))


def _rows(model: type[ChainedLogEntry]) -> list[dict[str, Any]]:
    return list(model._default_manager.order_by("id").values("id", *_COLUMNS, *_EXTRA[model]))


def _other_key() -> bytes:
    return hashlib.sha256(base64.b64encode(random.randbytes(32))).digest()


@dataclass
class World:
    """What the operations may use: the users, the heads seen while the chains grew (a replay)."""

    users: list[Any]
    anchor_dir: Path
    old_heads: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)


def _changed(rng: random.Random, name: str, value: Any, row: dict[str, Any], world: World) -> Any:
    """A different value for column ``name`` (of the same type)."""
    if name == "time":
        return value + timedelta(microseconds=rng.choice([1, 1000, 10**6, -(10**6)]))
    if name == "user_id":
        others = [u.pk for u in world.users if u.pk != value]
        return rng.choice(others + ([None] if value is not None else []))
    if name == "seq":  # another position, or none (an entry passed off as written before the key)
        return rng.choice([(value or 0) + 1, (value or 0) - 1, (value or 0) + 7, None])
    if name in ("before", "after", "detail"):
        data = dict(value or {})
        choice = rng.random()
        if not data or choice < 0.3:
            data["forged"] = rng.randint(0, 9)
        elif choice < 0.6:
            data.pop(rng.choice(sorted(data)))
        else:
            key = rng.choice(sorted(data))
            data[key] = f"{data[key]}x"
        return data if data != (value or {}) else {"forged": 1}
    if name == "result":
        return rng.choice([r for r in ("ok", "denied", "failed", "") if r != value])
    if name in ("prev_hash", "hash"):
        return hashlib.sha256(f"{value}{rng.random()}".encode()).hexdigest()
    text = value or ""
    return rng.choice([text + "x", text[:-1] if text else "y", "attacker", "127.0.0.1"]) if text != "attacker" \
        else "someone"


def edit_field(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    rows = _rows(model)
    row = rng.choice(rows)
    name = rng.choice(_COLUMNS + _EXTRA[model])
    value = _changed(rng, name, row[name], row, world)
    model._default_manager.filter(id=row["id"]).update(**{name: value})
    return f"edit {name}"


def delete_row(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    rows = _rows(model)
    where = rng.choice(["first", "middle", "last"])
    row = {"first": rows[0], "last": rows[-1], "middle": rng.choice(rows[1:-1])}[where]
    model._default_manager.filter(id=row["id"]).delete()
    return f"delete {where}"


def _forge(row: dict[str, Any], model: type[ChainedLogEntry], prev: str, seq: int, key: bytes) -> dict[str, Any]:
    forged = dict(row, seq=seq, prev_hash=prev)
    forged["hash"] = entry_mac(model._meta.model_name, prev, forged, _EXTRA[model], key=key)
    return forged


def _insert(model: type[ChainedLogEntry], rows: list[dict[str, Any]]) -> None:
    names = [n for n in _COLUMNS + _EXTRA[model] if n != "user_id"] + ["user"]
    insert_rows(model, names, [[r["user_id"] if n == "user" else _db(model, n, r[n]) for n in names] for r in rows])


def _db(model: type[ChainedLogEntry], name: str, value: Any) -> Any:
    from django.db import connection

    return model._meta.get_field(name).get_db_prep_save(value, connection)


def insert_forged(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    rows = _rows(model)
    template = dict(rng.choice(rows), reason="forged") if model is AccessLog else dict(rng.choice(rows))
    template["object_repr"] = "forged"
    last = rows[-1]
    key = _other_key()
    forged = _forge(template, model, last["hash"], last["seq"] + 1, key)
    _insert(model, [forged])
    how = rng.choice(["alone", "with its head"])
    if how == "with its head":
        name = model._meta.model_name
        ChainHead.objects.filter(name=name).update(
            seq=forged["seq"], last_hash=forged["hash"], mac=head_mac(name, forged["seq"], forged["hash"], key))
    return f"insert forged row {how}"


def truncate_tail(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    rows = _rows(model)
    cut = rng.randint(1, max(1, len(rows) // 3))
    keep = rows[:-cut]
    model._default_manager.filter(id__gt=keep[-1]["id"]).delete()
    name = model._meta.model_name
    how = rng.choice(["head guessed", "head replayed"])
    last = keep[-1]
    if how == "head replayed":
        # A copy of the head taken when the chain ended there: its MAC is genuine.
        seen = {seq: (h, mac) for seq, h, mac in world.old_heads.get(name, [])}
        if last["seq"] in seen:
            last_hash, mac = seen[last["seq"]]
            ChainHead.objects.filter(name=name).update(seq=last["seq"], last_hash=last_hash, mac=mac)
            return f"truncate tail, {how}"
        how = "head guessed"
    ChainHead.objects.filter(name=name).update(
        seq=last["seq"], last_hash=last["hash"], mac=head_mac(name, last["seq"], last["hash"], _other_key()))
    return f"truncate tail, {how}"


def recompute(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    """Change an entry, then recompute the MACs from there (or from the start) with a guessed key."""
    rows = _rows(model)
    start = rng.choice([0, rng.randrange(len(rows))])
    target = rng.randrange(start, len(rows))
    name = rng.choice(("username", "user_id", "client_ip", "result", "object_repr", "action"))
    rows[target][name] = _changed(rng, name, rows[target][name], rows[target], world)
    key = _other_key()
    prev = rows[start - 1]["hash"] if start else GENESIS
    for row in rows[start:]:
        forged = _forge(row, model, prev, row["seq"], key)
        model._default_manager.filter(id=row["id"]).update(
            **{n: forged[n] for n in ("prev_hash", "hash", name)})
        prev = forged["hash"]
    chain = model._meta.model_name
    ChainHead.objects.filter(name=chain).update(last_hash=prev, mac=head_mac(chain, rows[-1]["seq"], prev, key))
    return "recompute from start" if start == 0 else "recompute from a row"


def downgrade(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    """Rewrite every entry as a version 1 entry (unkeyed SHA-256 anyone can compute), head reset."""
    rows = _rows(model)
    extra = _EXTRA[model]
    prev = GENESIS
    rows[rng.randrange(len(rows))]["object_repr"] = "forged"
    for row in rows:
        digest = _entry_hash(prev, row, extra)
        model._default_manager.filter(id=row["id"]).update(
            seq=None, prev_hash=prev, hash=digest, object_repr=row["object_repr"])
        prev = digest
    ChainHead.objects.filter(name=model._meta.model_name).update(seq=0, last_hash=prev, mac="")
    return "downgrade to unkeyed"


def swap_rows(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    rows = _rows(model)
    a, b = rng.sample(rows, 2)
    names = list(_COLUMNS + _EXTRA[model])
    model._default_manager.filter(id=a["id"]).update(**{n: b[n] for n in names})
    model._default_manager.filter(id=b["id"]).update(**{n: a[n] for n in names})
    return "swap two rows"


def edit_anchor(rng: random.Random, model: type[ChainedLogEntry], world: World) -> str:
    """Move the newest anchor back (to hide a truncation), without the key to re-sign it."""
    import json

    path = sorted(world.anchor_dir.glob("anchor-*.json"))[-1]
    data = json.loads(path.read_text())
    name = model._meta.model_name
    data["chains"][name]["seq"] -= rng.randint(1, 5)
    path.write_text(json.dumps(data))
    return "edit anchor"


OPERATIONS: dict[str, Callable[[random.Random, type[ChainedLogEntry], World], str]] = {
    "edit": edit_field, "delete": delete_row, "insert": insert_forged, "truncate": truncate_tail,
    "recompute": recompute, "downgrade": downgrade, "swap": swap_rows, "anchor": edit_anchor,
}
# How often each kind is drawn: field edits are many kinds in one.
WEIGHTS = {"edit": 5, "delete": 1, "insert": 1, "truncate": 2, "recompute": 2, "downgrade": 1, "swap": 1,
           "anchor": 1}


def prepare(users: list[Any], entries: int, anchor_dir: Path, rng: random.Random) -> World:
    """Build both chains (noting each head on the way, for replays) and anchor their end."""
    world = World(users, anchor_dir)
    for _ in range(entries):
        build_chains(users, 1, rng)
        for head in ChainHead.objects.all():
            world.old_heads.setdefault(head.name, []).append((head.seq, head.last_hash, head.mac))
    write_anchor()
    return world


@dataclass
class Tally:
    trials: int = 0
    detected: int = 0
    by_kind: Counter = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)


def run_trials(trials: int, world: World, rng: random.Random) -> Tally:
    """``trials`` random tamperings, each undone after the verifier was asked."""
    assert verify().ok, "the chains must verify before tampering"
    kinds, weights = zip(*WEIGHTS.items(), strict=True)
    tally = Tally()
    saved = world.anchor_dir.with_name(world.anchor_dir.name + "-saved")
    shutil.copytree(world.anchor_dir, saved, dirs_exist_ok=True)
    for _ in range(trials):
        kind = rng.choices(kinds, weights)[0]
        model = rng.choice(LOGS)
        sid = transaction.savepoint_create()
        try:
            what = OPERATIONS[kind](rng, model, world)
            found = not verify([model]).ok
        finally:
            transaction.savepoint_rollback(sid)
            if kind == "anchor":
                shutil.rmtree(world.anchor_dir)
                shutil.copytree(saved, world.anchor_dir)
        tally.trials += 1
        tally.detected += found
        tally.by_kind[(kind, what, found)] += 1
        if not found:
            tally.missed.append(f"{model._meta.model_name}: {what}")
    return tally

