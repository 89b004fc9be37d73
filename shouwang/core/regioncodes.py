"""What a statistical division code says by itself: its level, and the codes above it.

Codes are the National Bureau of Statistics codes without padding: province 2 digits,
prefecture 4, county 6, township 9, village 12 (a village group, where a county keeps them, 15).
Every code starts with its parent's code, so a region's subtree is a prefix filter. Core owns
this because scoping (``core.permissions``) needs it and core imports no other part.
"""

from __future__ import annotations

LEVEL_CODE_LENGTH: dict[str, int] = {
    "province": 2, "prefecture": 4, "county": 6, "township": 9, "village": 12, "group": 15,
}
LEVEL_OF_LENGTH: dict[int, str] = {length: level for level, length in LEVEL_CODE_LENGTH.items()}
LEVEL_ORDER: list[str] = list(LEVEL_CODE_LENGTH)


def level_of(code: str | None) -> str | None:
    """The level of a code (``"433122102"`` → ``"township"``), or None for no valid length."""
    return LEVEL_OF_LENGTH.get(len(code)) if code else None


def ancestor_codes(code: str, include_self: bool = False) -> list[str]:
    """The codes above ``code``, widest first, read from the code itself (no queries)."""
    codes = [code[:n] for n in sorted(LEVEL_OF_LENGTH) if n < len(code)]
    return codes + [code] if include_self else codes
