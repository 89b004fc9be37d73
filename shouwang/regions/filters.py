"""Region filters: the API's region list, and the regions the other lists' filters offer.

Every list filter that offers townships or villages takes them from :func:`regions_within`:
the regions at those levels inside the user's own region (through ``restrict``), so a select
never names a region the user may not see. A village is offered as "township · village"
(:func:`labelled_villages`), so villages of the same name in different townships are told apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters

from shouwang.core.filters import ListFilter
from shouwang.core.permissions import restrict

from .models import Region, region_names


def regions_within(user: Any, *levels: str, action: str = "view") -> list[Region]:
    """The user's regions at ``levels`` (their own region included), by code: one query."""
    if user is None:
        return []
    regions = restrict(user, Region.objects.filter(level__in=levels), action)
    return list(regions.only("code", "name", "level", "parent_code").order_by("code"))


def village_label(village_name: str, township_name: str) -> str:
    """"Township · village": a county has villages of the same name in different townships."""
    return f"{township_name} · {village_name}" if township_name else village_name


def township_names(villages: Iterable[Region], townships: Iterable[Region] = ()) -> dict[str, str]:
    """Code → name of the villages' townships: from ``townships``, the rest in one query."""
    names = {r.code: r.name for r in townships}
    missing = {v.parent_code for v in villages if v.parent_code not in names}
    return names | region_names(missing) if missing else names


def labelled_villages(villages: list[Region], townships: Iterable[Region] = ()) -> list[tuple[str, str]]:
    """Villages as select choices labelled "township · village" (see :func:`village_label`)."""
    names = township_names(villages, townships)
    return [(v.code, village_label(v.name, names.get(v.parent_code, ""))) for v in villages]


def village_choices(villages: list[Region], townships: list[Region] | None = None) -> list[Any]:
    """Villages as select choices labelled "township · village", grouped under their townships
    when there are several."""
    names = township_names(villages, townships or ())
    grouped: dict[str, list[tuple[str, str]]] = {}
    for v in villages:
        grouped.setdefault(v.parent_code, []).append((v.code, village_label(v.name, names.get(v.parent_code, ""))))
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
