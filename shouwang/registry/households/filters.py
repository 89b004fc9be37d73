"""The household list's one filter: the page, ``/api/households/`` and the households export.

Parameters (each accepted by the page, the API and the export alike):

* ``q``: household number or a member's name (contains), the national household number (户编号,
  exact or its beginning), or the last one to four characters of a member's ID number (only the
  masked copy is searched). A whole ID number is refused: it belongs in the page's POST search,
  never in an address.
* ``township``: a region code prefix (the page offers the user's townships; the API has always
  taken any prefix, a county's too).
* ``village``: a village code (exact). With a village, ``township`` is not applied (the page's
  two selects may disagree; the village is the narrower choice).
* ``household_type``; ``number``: the household number, exact but for case (the API's).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import regions_within, village_choices
from shouwang.regions.models import Region

from .forms import SearchForm
from .models import Household, HouseholdType
from .queries import search_households


class HouseholdSearchForm(SearchForm):
    """The filter's form: a typed search is tidied, and a whole ID number refused."""


class HouseholdFilter(ListFilter):
    q = django_filters.CharFilter(
        method="filter_q", max_length=60, label=_("Household number, name or last digits of an ID number"),
        help_text="household number or member name (contains), or the last 1 to 4 characters of an ID",
    )
    township = OpenChoiceFilter(
        method="filter_township", choices=chosen_per_user, label=_("Township"),
        empty_label=_("All townships"), help_text="region code prefix (a township's 9 digits)",
    )
    village = OpenChoiceFilter(
        field_name="region_code", choices=chosen_per_user, label=_("Village"), empty_label=_("All villages"),
        help_text="village code (12 digits)",
    )
    household_type = django_filters.ChoiceFilter(
        choices=HouseholdType.choices, label=_("Household type"), empty_label=_("All types"),
    )
    number = django_filters.CharFilter(
        field_name="number", lookup_expr="iexact", help_text="household number (exact, any case)",
    )

    class Meta:
        model = Household
        form = HouseholdSearchForm
        fields = ["q", "township", "village", "household_type", "number"]

    def offer_choices(self, user: Any) -> None:
        regions = once(lambda: regions_within(user, Region.Level.TOWNSHIP, Region.Level.VILLAGE))
        townships = once(lambda: [r for r in regions() if r.level == Region.Level.TOWNSHIP])
        villages = once(lambda: [r for r in regions() if r.level == Region.Level.VILLAGE])
        self.set_choices("township", lambda: [(r.code, r.name) for r in townships()])
        self.set_choices("village", lambda: village_choices(villages(), townships()))
        self.form_flags.update(
            show_township=lambda: len(townships()) > 1, show_village=lambda: len(villages()) > 1,
        )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_households(queryset, value)

    def filter_township(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if self.form.cleaned_data.get("village"):
            return queryset
        return queryset.filter(region_code__startswith=value.strip()) if value.strip() else queryset
