"""Hand-made registries for the policy tests: households with members chosen one by one."""

from __future__ import annotations

import itertools
from decimal import Decimal

from shouwang.registry.models import Household, HouseholdYear, Member, Relation

from ..models import Policy

_seq = itertools.count(1)


def household(village: str, members: list[dict], *, year: int = 2024, wage: str = "30000", **fields) -> Household:
    """A household of ``village`` with one member per dict (Member fields) and a year row (``year`` None: none)."""
    n = next(_seq)
    h = Household.objects.create(number=f"PT{village[-6:]}{n:05d}", village_id=village, **fields)
    for i, values in enumerate(members):
        Member.objects.create(household=h, name=values.pop("name", f"成员{n}-{i}"),
                              relation=Relation.HEAD if i == 0 else Relation.OTHER, **values)
    if year:
        HouseholdYear.objects.create(household=h, year=year, member_count=max(len(members), 1),
                                     wage_income=Decimal(wage))
    return h


def policy(code: str = "TEST", expression: str = "True", *, subject: str = "household", county: str = "433122",
           parameters: dict | None = None, **fields) -> Policy:
    """A policy saved directly (no version); tests of versions go through ``services.save_policy``."""
    return Policy.objects.create(
        region_code=county, code=code, name_zh=fields.pop("name_zh", code),
        department=fields.pop("department", "民政局"), subject=subject, expression=expression,
        parameters=parameters or {}, **fields,
    )
