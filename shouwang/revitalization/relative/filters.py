"""The relative-poverty figures' one selection: the page, ``/api/relative-poverty/`` and the exports.

Parameters (the same everywhere):

* ``region``: a county, township or village code; default the user's own region (a user above a
  county: the first county in it). A region the user may not read (``can(user, "view", region)``)
  is not found, so a township officer reads their township and its villages, a village cadre their
  village, and nothing else.
* ``year``: a year with household-year records in the region; default the latest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from shouwang.core.permissions import can, home_region
from shouwang.regions.models import Region

from .services import COUNTY_LENGTH, data_years

REGION_LENGTHS = (6, 9, 12)


class FigureForm(forms.Form):
    region = forms.CharField(label=_("Region"), required=False, max_length=12)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


@dataclass(frozen=True)
class Selection:
    region: str
    year: int | None  # None: the region has no household-year records at all
    years: list[int]

    @property
    def county(self) -> str:
        return self.region[:COUNTY_LENGTH]


def default_region(user: Any) -> str:
    """The user's own region, or for a user above a county the first county in it ("" when none)."""
    prefix = home_region(user) or ""
    if len(prefix) >= COUNTY_LENGTH:
        return prefix
    first = Region.objects.filter(code__startswith=prefix, level=Region.Level.COUNTY).order_by("code").first()
    return first.code if first else ""


def select(user: Any, params: Any) -> Selection:
    """The region and year asked for, checked against what the user may read; Http404 otherwise."""
    form = FigureForm(params or None)
    data = form.cleaned_data if form.is_valid() else {}
    if params and not form.is_valid():
        raise Http404("bad parameters")
    region = (data.get("region") or "").strip() or default_region(user)
    if len(region) not in REGION_LENGTHS or not region.isdigit() or not can(user, "view", region):
        raise Http404("no such region")
    years = data_years(region)
    year = data.get("year")
    if year is not None and year not in years:
        raise Http404("no data for that year")
    return Selection(region=region, year=year if year is not None else (years[-1] if years else None), years=years)
