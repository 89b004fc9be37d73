"""Region filters: the API's region list, and the regions the other lists' filters offer.

Every list filter that offers townships or villages takes them from :func:`regions_within`:
the regions at those levels inside the user's own region (through ``restrict``), so a select
never names a region the user may not see.
"""

from __future__ import annotations

from typing import Any

import django_filters

from shouwang.core.filters import ListFilter
from shouwang.core.permissions import restrict

from .models import Region


def regions_within(user: Any, *levels: str, action: str = "view") -> list[Region]:
    """The user's regions at ``levels`` (their own region included), by code: one query."""
    if user is None:
        return []
    regions = restrict(user, Region.objects.filter(level__in=levels), action)
    return list(regions.only("code", "name", "level", "parent_code").order_by("code"))


def village_choices(villages: list[Region], townships: list[Region] | None = None) -> list[Any]:
    """Villages as select choices, grouped under their townships when there are several."""
    names = {r.code: r.name for r in townships or []}
    grouped: dict[str, list[tuple[str, str]]] = {}
    for village in villages:
        grouped.setdefault(village.parent_code, []).append((village.code, village.name))
    if len(grouped) > 1 and townships is not None:
        return [(names.get(code, code), items) for code, items in grouped.items()]
    return [item for items in grouped.values() for item in items]


class RegionFilter(ListFilter):
    """``/api/regions/``: by level and by parent code."""

    level = django_filters.ChoiceFilter(choices=Region.Level.choices)
    parent_code = django_filters.CharFilter(field_name="parent_code")

    class Meta:
        model = Region
        fields = ["level", "parent_code"]
