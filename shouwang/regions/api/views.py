"""``/api/regions/``: the user's own part of the region tree (and its ancestors)."""

from __future__ import annotations

import django_filters
from rest_framework import viewsets

from shouwang.regions.models import Region
from shouwang.regions.scoping import regions_visible_to

from .serializers import RegionSerializer


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices)
    parent_code = django_filters.CharFilter(field_name="parent_code")

    class Meta:
        model = Region
        fields = ["level", "parent_code"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions by statistical code; a region outside the user's scope answers 404."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{2,15}"

    def get_queryset(self):
        return regions_visible_to(self.request.user).order_by("code")
