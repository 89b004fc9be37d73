"""Daily anchors of the audit chains, outside the database (security.md §5.9, G16).

Someone who can write the database but lacks the audit key cannot forge entries; someone who
holds both (or a database superuser with the key) could still cut the newest entries and re-sign
the head. An anchor closes that: once a day (``audit_anchor``, a periodic job) a small JSON file
records, for each chain, the date, the last sequence number and the last entry's MAC, signed with
the audit key (HMAC-SHA256), in ``SHOUWANG_AUDIT_ANCHOR_DIR`` (default ``var/audit-anchors/``;
folder 0700, files 0600, one new file per anchor, never rewritten). When ``SHOUWANG_AUDIT_SYSLOG``
names a syslog socket (``/dev/log``) or ``host:port`` (UDP), the same line goes there too, a
second copy off the box for a county that runs a log host.

Verification (``verify_audit``, its nightly job and the audit pages' button) checks every anchor:
its signature, and that the entry it names is still in the chain with the MAC it holds. Entries
cut from the end after an anchor, or an anchored entry rewritten, are reported. The folder should
be copied off the server (the backup, a log host): an anchor only protects what it has seen.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from .audit import LOGS, P_ANCHOR_CHANGED, P_ANCHOR_MISSING, ChainCheck, check_chain, head_mac, keyed_mac
from .models import ChainedLogEntry, ChainHead

logger = logging.getLogger(__name__)

FORMAT = "shouwang-audit-anchor/1"
P_ANCHOR_SIGNATURE = gettext_noop("An anchor file's signature is wrong (the anchor was edited or forged).")
P_ANCHOR_HEAD = gettext_noop("The chain head's MAC is wrong: no anchor was written.")


def anchor_dir() -> Path:
    return Path(settings.SHOUWANG_AUDIT_ANCHOR_DIR)


def _body_text(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sign(body: dict[str, Any], key: bytes | None = None) -> str:
    return keyed_mac("anchor\n" + _body_text(body), key)


class AnchorError(Exception):
    """No anchor could be written (the head does not verify); ``message`` is a msgid."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Anchor:
    path: Path
    body: dict[str, Any]
    valid: bool

    @property
    def chains(self) -> dict[str, dict[str, Any]]:
        return self.body.get("chains", {}) if self.valid else {}


def write_anchor(now=None) -> Anchor:
    """Anchor the head of each chain now: a signed file (and a syslog line when configured)."""
    now = now or timezone.now()
    chains = {}
    for model in LOGS:
        name = str(model._meta.model_name)
        head = ChainHead.objects.filter(name=name).first()
        if head is None:
            chains[name] = {"seq": 0, "mac": ""}
            continue
        if (head.seq or head.mac) and head.mac != head_mac(name, head.seq, head.last_hash):
            raise AnchorError(P_ANCHOR_HEAD)
        chains[name] = {"seq": head.seq, "mac": head.last_hash if head.seq else ""}
    body = {"format": FORMAT, "time": now.isoformat(), "date": timezone.localdate(now).isoformat(),
            "chains": chains}
    signed = body | {"signature": sign(body)}
    folder = anchor_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / f"anchor-{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}.json"
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as stream:
        stream.write(json.dumps(signed, sort_keys=True, ensure_ascii=False, indent=1) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, path)
    _to_syslog(signed)
    return Anchor(path, body, True)


def _syslog_address(value: str) -> str | tuple[str, int]:
    if value.startswith("/"):
        return value
    host, _, port = value.rpartition(":")
    return (host or "localhost", int(port or 514))


def _to_syslog(signed: dict[str, Any]) -> bool:
    """Send the anchor to syslog when configured; True when sent. A log host that is down does
    not stop the anchor file (the failure is logged)."""
    target = settings.SHOUWANG_AUDIT_SYSLOG
    if not target:
        return False
    try:
        address = _syslog_address(target)
        handler = logging.handlers.SysLogHandler(
            address=address, facility=logging.handlers.SysLogHandler.LOG_AUTH,
            socktype=socket.SOCK_DGRAM)
        try:
            record = logging.LogRecord("shouwang.audit", logging.INFO, __file__, 0,
                                       "shouwang-audit-anchor %s", (_body_text(signed),), None)
            handler.emit(record)
        finally:
            handler.close()
    except (OSError, ValueError):
        logger.exception("audit anchor not sent to syslog %s", target)
        return False
    return True


def read_anchors(folder: Path | None = None, key: bytes | None = None) -> list[Anchor]:
    """Every anchor file in the folder, oldest first, each with whether its signature holds."""
    folder = folder or anchor_dir()
    anchors = []
    for path in sorted(folder.glob("anchor-*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text())
            signature = data.pop("signature")
            valid = data.get("format") == FORMAT and signature == sign(data, key)
        except (OSError, ValueError, KeyError, AttributeError):
            data, valid = {}, False
        anchors.append(Anchor(path, data, valid))
    return anchors


@dataclass
class Verification:
    """Both chains checked against their heads and the anchors."""

    chains: list[ChainCheck]
    anchors: int = 0
    bad_anchors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad_anchors and all(check.ok for check in self.chains)

    def as_result(self) -> dict[str, Any]:
        """What the nightly job stores."""
        return {
            "ok": self.ok,
            "anchors": self.anchors,
            "bad_anchors": self.bad_anchors,
            "chains": {c.name: {"checked": c.checked, "keyed": c.keyed, "last_seq": c.last_seq, "ok": c.ok,
                                "broken": c.broken[:50], "problems": c.problems} for c in self.chains},
        }


def check_against_anchors(
    models: Iterable[type[ChainedLogEntry]] = LOGS, folder: Path | None = None, key: bytes | None = None,
) -> list[ChainCheck]:
    return verify(models, folder, key).chains


def verify(
    models: Iterable[type[ChainedLogEntry]] = LOGS, folder: Path | None = None, key: bytes | None = None,
) -> Verification:
    """Check each chain (``check_chain``) and every anchor: an anchored entry must still be there
    with its anchored MAC. A forged anchor file is reported on every chain."""
    anchors = read_anchors(folder, key)
    bad = [anchor.path.name for anchor in anchors if not anchor.valid]
    checks = []
    for model in models:
        name = str(model._meta.model_name)
        anchored = [(a.chains[name]["seq"], a.chains[name]["mac"]) for a in anchors if name in a.chains]
        check = check_chain(model, want={seq for seq, _ in anchored if seq}, key=key)
        for seq, mac in anchored:
            if not seq:
                continue
            if seq > check.last_seq or seq not in check.at:
                check.flag(P_ANCHOR_MISSING)
            elif check.at[seq] != mac:
                check.flag(P_ANCHOR_CHANGED)
        if bad:
            check.flag(P_ANCHOR_SIGNATURE)
        checks.append(check)
    return Verification(checks, len(anchors), bad)


def verify_chain(model: type[ChainedLogEntry]) -> tuple[int, list[int]]:
    """Recompute the chain and check it against its head and the anchors outside the database;
    return (entries checked, ids of entries whose MAC or link is wrong; -1: rows removed from the
    end, a forged head, or an anchor the chain no longer matches)."""
    check = check_against_anchors([model])[0]
    return check.checked, check.broken
