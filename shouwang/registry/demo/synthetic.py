"""Synthetic but valid personal data for tests and the demo (never real people).

Faker's ``ssn()`` is not used: a third of its numbers fail the region or checksum checks
(ecosystem.md §4). These are built from the village's county code, a birth date and a
sequence number, with the GB 11643 check digit computed.
"""

from __future__ import annotations

from datetime import date

from shouwang.core.idnumbers import check_digit


def make_id_number(county6: str, birth: date, seq: int, female: bool | None = None) -> str:
    """An 18-character number; ``seq`` (0–999) is adjusted to match ``female`` when given."""
    seq = seq % 1000
    if female is not None and (seq % 2 == 0) != female:
        seq = (seq + 1) % 1000
    body = f"{county6}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)
