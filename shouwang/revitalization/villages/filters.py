"""The village profiles' filter, shared by the list page, ``/api/revitalization/village-profiles/`` and the export.

* ``year`` (the page defaults to the current year);
* ``township``: a region code prefix;
* ``category``: ``ex_poor``, ``slack``, ``weak`` or ``key`` (any of the three).
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import regions_within
from shouwang.regions.models import Region

from .models import VillageProfile

CATEGORIES = (
    ("key", _("Key village (any category)")),
    ("ex_poor", _("Ex-poor village")),
    ("slack", _("Slack village")),
    ("weak", _("Weak collective economy")),
)


class VillageProfileFilter(ListFilter):
    year = django_filters.NumberFilter(field_name="year", label=_("Year"))
    township = OpenChoiceFilter(method="filter_township", choices=chosen_per_user, label=_("Township"),
                                empty_label=_("All townships"), help_text="region code prefix")
    category = OpenChoiceFilter(choices=CATEGORIES, method="filter_category", label=_("Village category"),
                                empty_label=_("All villages"), help_text="key, ex_poor, slack or weak")

    class Meta:
        model = VillageProfile
        fields = ["year", "township", "category"]

    @classmethod
    def for_page(cls, params, queryset, user):
        """The page (and its export) lists the current year unless the address names one."""
        if not params or "year" not in params:
            params = {**({k: params.getlist(k) for k in params} if hasattr(params, "getlist") else dict(params or {})),
                      "year": str(timezone.localdate().year)}
        return super().for_page(params, queryset, user)

    def offer_choices(self, user) -> None:
        townships = once(lambda: regions_within(user, Region.Level.TOWNSHIP))
        self.set_choices("township", lambda: [(r.code, r.name) for r in townships()])

    def filter_township(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(region_code__startswith=value) if value else queryset

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "key":
            return queryset.filter(is_key=True)
        if value == "ex_poor":
            return queryset.filter(ex_poor=True)
        if value == "slack":
            return queryset.filter(slack=True)
        if value == "weak":
            return queryset.filter(is_weak=True)
        return queryset
