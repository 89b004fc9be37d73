"""``/api/regions/``: the user's own part of the region tree (and its ancestors)."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from shouwang.core.permissions import DeclaredAction
from shouwang.regions.filters import RegionFilter
from shouwang.regions.scoping import VIEW_REGIONS, regions_visible_to

from .serializers import RegionSerializer


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions by statistical code; a region outside the user's scope answers 404."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_REGIONS
    answers_by_scope = True  # a role that reads nothing reads an empty tree
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{2,15}"

    def get_queryset(self):
        return regions_visible_to(self.request.user).order_by("code")
