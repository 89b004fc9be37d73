"""The asset ledger's filter, shared by the ledger pages, ``/api/revitalization/assets/`` and the exports.

* ``asset_class``: one of the three classes (the ledger page takes it from its address);
* ``region``: a region code prefix (the page offers the user's townships and villages);
* ``status``: in use, idle, disposed of; ``year``: the year formed;
* ``q``: a piece of the asset's number, name, owner or manager.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import regions_within, village_choices
from shouwang.regions.models import Region

from .models import Asset, AssetClass, AssetStatus


class AssetFilter(ListFilter):
    asset_class = OpenChoiceFilter(choices=AssetClass.choices, method="filter_class", label=_("Asset class"),
                                   empty_label=_("All classes"), help_text="operating, public or household")
    region = OpenChoiceFilter(method="filter_region", choices=chosen_per_user, label=_("Region"),
                              empty_label=_("All regions"), help_text="region code prefix")
    status = OpenChoiceFilter(choices=AssetStatus.choices, method="filter_status", label=_("Status"),
                              empty_label=_("All"), help_text="in_use, idle or disposed")
    year = django_filters.NumberFilter(field_name="formed_year", label=_("Year formed"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search"),
                                  help_text="part of the number, name, owner or manager")

    class Meta:
        model = Asset
        fields = ["asset_class", "region", "status", "year", "q"]

    def offer_choices(self, user) -> None:
        regions = once(lambda: regions_within(user, Region.Level.TOWNSHIP, Region.Level.VILLAGE))
        townships = once(lambda: [r for r in regions() if r.level == Region.Level.TOWNSHIP])

        def choices():
            villages = [r for r in regions() if r.level == Region.Level.VILLAGE]
            return [(r.code, r.name) for r in townships()] + list(village_choices(villages, townships()))

        self.set_choices("region", choices)

    def filter_class(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(asset_class=value) if value in AssetClass.values else queryset.none()

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(region_code__startswith=value) if value else queryset

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(status=value) if value in AssetStatus.values else queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(name__icontains=value) | Q(owner__icontains=value)
                               | Q(manager__icontains=value))
