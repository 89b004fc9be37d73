"""The keyed audit chain (security.md §5.9, G16): random tampering of every kind is detected, the
anchors outside the database catch what the database alone cannot, entries written before the
audit key still verify, and appends keep the sequence and head consistent."""

from __future__ import annotations

import json
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from shouwang.core import anchors
from shouwang.core.anchors import verify_chain
from shouwang.core.audit import (
    _EXTRA,
    GENESIS,
    P_ANCHOR_MISSING,
    Change,
    _entry_hash,
    acting_as,
    check_chain,
    entry_mac,
    head_mac,
    record_access,
    record_changes,
)
from shouwang.core.models import AccessLog, ChainHead, ChangeLog

from .tamper import OPERATIONS, prepare, run_trials

TRIALS = 1200


@pytest.fixture
def anchor_dir(settings, tmp_path):
    settings.SHOUWANG_AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    return tmp_path / "anchors"


def test_a_thousand_random_tamperings_of_every_kind_are_all_detected(personas, anchor_dir):
    rng = random.Random(16)
    users = [personas[name] for name in ("alice", "carol", "erin", "heidi")]
    world = prepare(users, 30, anchor_dir, rng)
    assert ChangeLog.objects.count() == 30 and AccessLog.objects.count() == 30
    tally = run_trials(TRIALS, world, rng)
    kinds = Counter(kind for kind, _what, _found in tally.by_kind.elements())
    assert tally.trials == TRIALS and set(kinds) == set(OPERATIONS), kinds
    edits = {what for _kind, what, _found in tally.by_kind if what.startswith("edit ")}
    assert {"edit user_id", "edit client_ip", "edit result", "edit username", "edit seq", "edit time"} <= edits
    assert {"edit before", "edit after", "edit detail", "edit reason"} <= edits
    assert tally.missed == [] and tally.detected == TRIALS
    assert verify_chain(ChangeLog) == (30, []) and verify_chain(AccessLog) == (30, [])  # all undone


def test_every_field_is_under_the_mac(personas):
    with acting_as(personas["carol"], source="POST /x/") as ctx:
        ctx.client_ip = "10.1.2.3"
        record_access("unmask", object_type="household", object_id=1, reason="visit", detail={"a": 1})
    entry = AccessLog.objects.values().get()
    assert entry["seq"] == 1 and entry["prev_hash"] == GENESIS
    assert entry["client_ip"] == "10.1.2.3" and entry["result"] == "ok" and entry["user_id"] == personas["carol"].pk
    assert entry["hash"] == entry_mac("accesslog", GENESIS, entry, _EXTRA[AccessLog])
    for name, value in [("user_id", personas["alice"].pk), ("client_ip", "10.1.2.4"), ("result", "denied"),
                        ("seq", 2), ("request_id", "x"), ("source", "GET /"), ("fields", "phone"),
                        ("detail", {"a": 2}), ("object_id", "2"), ("action", "export")]:
        assert entry_mac("accesslog", GENESIS, entry | {name: value}, _EXTRA[AccessLog]) != entry["hash"], name


def test_without_the_key_the_chain_does_not_verify(personas):
    record_changes([Change("create", "registry.member", 1, "M1")])
    assert check_chain(ChangeLog).ok
    assert not check_chain(ChangeLog, key=b"k" * 32).ok


def test_appends_number_the_entries_and_sign_the_head(personas):
    with acting_as(personas["erin"]):
        record_changes([Change("create", "registry.member", i, f"M{i}") for i in range(3)])
        record_changes([Change("update", "registry.member", 1, "M1", before={"a": 1}, after={"a": 2})])
    assert list(ChangeLog.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3, 4]
    head = ChainHead.objects.get(name="changelog")
    last = ChangeLog.objects.order_by("id").last()
    assert (head.seq, head.last_hash) == (4, last.hash) and head.mac == head_mac("changelog", 4, last.hash)


def test_a_truncated_tail_with_a_replayed_head_is_caught_by_the_anchor(personas, anchor_dir):
    record_changes([Change("create", "registry.member", 1, "M1")])
    early = ChainHead.objects.values("seq", "last_hash", "mac").get(name="changelog")  # a genuine head
    record_changes([Change("create", "registry.member", 2, "M2")])
    call_command("verify_audit", "--anchor", stdout=StringIO())
    ChangeLog.objects.filter(seq=2).delete()
    ChainHead.objects.filter(name="changelog").update(**early)
    assert check_chain(ChangeLog).ok  # the database alone cannot tell
    checked, broken = verify_chain(ChangeLog)
    assert checked == 1 and broken == [-1]
    assert anchors.verify().chains[0].problems == [P_ANCHOR_MISSING]


def test_an_anchor_file_is_signed_private_and_checked(personas, anchor_dir):
    record_access("export", object_type="household", object_id=1)
    anchor = anchors.write_anchor()
    assert anchor_dir.stat().st_mode & 0o777 == 0o700 and anchor.path.stat().st_mode & 0o777 == 0o600
    data = json.loads(anchor.path.read_text())
    assert data["chains"]["accesslog"]["seq"] == 1 and data["chains"]["changelog"] == {"seq": 0, "mac": ""}
    assert anchors.verify().ok and anchors.verify().anchors == 1
    data["chains"]["accesslog"]["seq"] = 0
    anchor.path.write_text(json.dumps(data))
    result = anchors.verify()
    assert not result.ok and result.bad_anchors == [anchor.path.name]


def test_an_anchor_also_goes_to_syslog_when_configured(personas, anchor_dir, settings, tmp_path):
    import socket

    path = str(tmp_path / "log.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    settings.SHOUWANG_AUDIT_SYSLOG = path
    try:
        anchors.write_anchor()
        server.settimeout(2)
        line = server.recv(65536).decode()
    finally:
        server.close()
    assert "shouwang-audit-anchor" in line and '"signature"' in line


def test_entries_written_before_the_audit_key_still_verify(personas, anchor_dir):
    """Version 1 entries (unkeyed SHA-256) stay as they are; keyed ones follow and seal them."""
    legacy_rows = _write_legacy(3)
    record_changes([Change("create", "registry.member", 9, "M9")])
    rows = list(ChangeLog.objects.order_by("id").values("id", "seq", "prev_hash", "hash"))
    assert [r["seq"] for r in rows] == [None, None, None, 1]
    assert rows[3]["seq"] == 1 and rows[3]["prev_hash"] == rows[2]["hash"]
    assert verify_chain(ChangeLog) == (4, [])
    anchors.write_anchor()
    # Recomputing the legacy part (anyone can) breaks its link to the first keyed entry.
    ChangeLog.objects.filter(id=legacy_rows[1]).update(username="mallory")
    _rehash_legacy()
    assert verify_chain(ChangeLog)[1] == [rows[3]["id"]]


def test_a_legacy_entry_after_keyed_ones_is_refused(personas):
    record_changes([Change("create", "registry.member", 1, "M1")])
    record_changes([Change("create", "registry.member", 2, "M2")])
    last = ChangeLog.objects.order_by("id").last()
    values = ChangeLog.objects.filter(id=last.id).values().get()
    ChangeLog.objects.filter(id=last.id).update(
        seq=None, hash=_entry_hash(last.prev_hash, values, _EXTRA[ChangeLog]))
    check = check_chain(ChangeLog)
    assert last.id in check.broken


def _write_legacy(n: int) -> list[int]:
    """Version 1 entries as the code before the audit key wrote them (its hash, no seq)."""
    from django.utils import timezone

    prev = GENESIS
    for i in range(n):
        values = {"time": timezone.now(), "username": "carol", "request_id": f"r{i}", "source": "GET /",
                  "object_type": "registry.member", "object_id": str(i), "object_repr": f"M{i}",
                  "region_code": "433122102201", "action": "create", "before": None, "after": {"n": i}}
        digest = _entry_hash(prev, values, _EXTRA[ChangeLog])
        ChangeLog.objects.create(**values, prev_hash=prev, hash=digest)
        prev = digest
    ChainHead.objects.update_or_create(name="changelog", defaults={"last_hash": prev, "seq": 0, "mac": ""})
    return list(ChangeLog.objects.order_by("id").values_list("id", flat=True))


def _rehash_legacy() -> None:
    prev = GENESIS
    for values in ChangeLog.objects.filter(seq=None).order_by("id").values():
        digest = _entry_hash(prev, values, _EXTRA[ChangeLog])
        ChangeLog.objects.filter(id=values["id"]).update(prev_hash=prev, hash=digest)
        prev = digest
