"""The warning queue's one filter: the queue page, ``/api/warnings/`` and the warnings export.

Parameters (each accepted by the page, the API and the export alike):

* ``status``: a status, ``open`` (new or verifying), ``overdue`` or ``all``. The page and its
  export assume ``open`` when the address names none; the API assumes nothing (every status).
* ``q``: a household number or a member's name (contains), or the last 1 to 4 characters of a
  member's ID number: the household list's search (``registry.households.queries.household_search``).
* ``channel``; ``rule``: a rule code; ``village``: a village code (exact); ``township``: a region
  code prefix; ``household``: a household number; ``year``; ``due_before``/``due_after``: dates.

The page's form shows the search, status, channel, rule and village; the others are there for the
API (and work in a page address too).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import labelled_villages, regions_within
from shouwang.regions.models import Region
from shouwang.registry.households.forms import SearchForm
from shouwang.registry.households.queries import household_search

from ..rules.models import Rule
from . import services as lifecycle
from .models import Signal, Warning, WarningChannel

FULL_ID_REFUSAL = _("Search by the last four characters of the ID number, never the whole number.")


class WarningSearchForm(SearchForm):
    """The filter's form: a typed search is tidied, and a whole ID number refused (never in a URL)."""

    full_id_refusal = FULL_ID_REFUSAL


class WarningFilter(ListFilter):
    page_defaults = {"status": "open"}

    q = django_filters.CharFilter(
        method="filter_q", max_length=60, label=_("Household number, name or last digits of an ID number"),
        help_text="household number or member name (contains), or the last 1 to 4 characters of an ID",
    )

    status = django_filters.ChoiceFilter(
        choices=list(lifecycle.STATUS_FILTERS.items()), method="filter_status", label=_("Status"),
        empty_label=None, help_text="status, or open (new and verifying), overdue, all",
    )
    # A warning gathers several signals: it matches when any of them has the channel or rule.
    channel = django_filters.ChoiceFilter(
        choices=WarningChannel.choices, label=_("Channel"), empty_label=_("All channels"), method="filter_signals",
    )
    rule = OpenChoiceFilter(
        field_name="rule__code", choices=chosen_per_user, label=_("Rule"), empty_label=_("All rules"),
        help_text="rule code", method="filter_signals",
    )
    village = OpenChoiceFilter(
        field_name="region_code", choices=chosen_per_user, label=_("Village"), empty_label=_("All villages"),
        help_text="village code (12 digits)",
    )
    township = django_filters.CharFilter(method="filter_township", help_text="township code (9 digits)")
    household = django_filters.CharFilter(field_name="household__number", help_text="household number")
    year = django_filters.NumberFilter(field_name="year")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = Warning
        form = WarningSearchForm
        fields = [
            "q", "status", "channel", "rule", "village", "township", "household", "year",
            "due_before", "due_after",
        ]

    def offer_choices(self, user: Any) -> None:
        villages = once(lambda: regions_within(user, Region.Level.VILLAGE))
        rules = Rule.objects.order_by("code")
        self.set_choices("rule", lambda: [(r.code, f"{r.code} · {r.name}") for r in rules])
        self.set_choices("village", lambda: labelled_villages(villages()))
        self.form_flags["show_village"] = lambda: len(villages()) > 1

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return lifecycle.filter_status(queryset, value, lifecycle.today())

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(household_search(value, "household")) if value else queryset

    def filter_signals(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        lookup = {name: value}
        # A warning from before signals has none: its own channel and rule answer.
        return queryset.filter(Q(Exists(Signal.objects.filter(warning=OuterRef("pk"), **lookup)))
                               | (Q(**lookup) & ~Exists(Signal.objects.filter(warning=OuterRef("pk")))))

    def filter_township(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(region_code__startswith=value) if value else queryset
