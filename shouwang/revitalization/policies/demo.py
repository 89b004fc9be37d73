"""The demo county's policy catalogue: the starter catalogue, loaded like ``manage.py load_policies``."""

from __future__ import annotations

from shouwang.core.audit import acting_as

from .services import load_catalogue


def populate(county_code: str, year: int, seed: int) -> dict:
    """Load the starter catalogue into the county (idempotent; ``year`` and ``seed`` are not needed)."""
    with acting_as(None, "demo"):
        counts = load_catalogue(county_code)
    return {"policies": counts["created"]}
