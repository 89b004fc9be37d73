"""The scorecard's one filter: the scorecard pages, ``/api/scorecards/`` and the scorecard exports.

A scorecard list is the rows of one stored snapshot: one county's, for one period. Parameters
(each accepted by the pages, the API and the exports alike):

* ``county``: one of the user's counties (the first of them otherwise);
* ``start`` and ``end`` (both or neither), else ``period``, one of the page's ready-made periods
  (``last_month``, ``this_quarter`` …), else the latest period computed (:func:`chosen_period`);
* ``level``: ``township`` (the default) or ``village``; ``township``: the villages of one
  township (its 9-digit code).

Rows come from a queryset already narrowed by ``restrict`` (a township officer's file and list
hold their own township's row and villages).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter
from shouwang.core.permissions import restrict

from . import services as assessment
from .models import ScorecardLevel, ScorecardRow


def chosen_period(county: str, period: str | None = None) -> tuple[date, date]:
    """The period a list shows when the address names no dates: the ready-made ``period``, else
    the county's latest period computed, else last month."""
    choices = {choice.key: choice for choice in assessment.period_choices()}
    if period in choices:
        return choices[period].start, choices[period].end
    latest = assessment.latest_snapshot(county) if county else None
    if latest is not None:
        return latest.period_start, latest.period_end
    return choices["last_month"].start, choices["last_month"].end


def scorecard_rows(user: Any) -> QuerySet[ScorecardRow]:
    """Every scorecard row the user may see, best first within each parent (filter them)."""
    rows = restrict(user, ScorecardRow.objects.all(), "view").select_related("snapshot")
    return rows.order_by("parent_code", F("rank").asc(nulls_last=True), "region_code")


class PeriodCheckForm(forms.Form):
    """Both dates or neither, and a period the scorecard can have."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if bool(start) != bool(end):
            self.add_error("end", _("Give both start and end, or neither."))
        elif start and end:
            try:
                assessment.validate_period(start, end)
            except ValidationError as exc:
                self.add_error("end", exc)
        return data


class ScorecardFilter(ListFilter):
    county = django_filters.CharFilter(
        method="chosen_below", help_text="county code, for users above one county",
    )
    period = django_filters.CharFilter(
        method="chosen_below",
        help_text="a ready-made period (last_month, this_quarter …), when start and end are not given",
    )
    start = django_filters.DateFilter(
        method="chosen_below", help_text="period start (YYYY-MM-DD); with end; default: the latest period",
    )
    end = django_filters.DateFilter(method="chosen_below", help_text="period end (YYYY-MM-DD)")
    level = django_filters.ChoiceFilter(
        choices=ScorecardLevel.choices, method="chosen_below", help_text="default: township",
    )
    township = django_filters.CharFilter(
        field_name="parent_code", help_text="villages of this township (9 digits)",
    )

    class Meta:
        model = ScorecardRow
        form = PeriodCheckForm
        fields = ["county", "period", "start", "end", "level", "township"]

    def chosen_below(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # these together choose the snapshot: see filter_queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        county = assessment.chosen_county(assessment.counties_for(self.user), data.get("county"))
        if not county:
            return queryset.none()
        start, end = data.get("start"), data.get("end")
        if not (start and end):
            start, end = chosen_period(county, data.get("period"))
        snapshot = assessment.snapshot_for(county, start, end)
        if snapshot is None:
            return queryset.none()
        level = data.get("level") or ScorecardLevel.TOWNSHIP
        return super().filter_queryset(queryset.filter(snapshot=snapshot, level=level))
