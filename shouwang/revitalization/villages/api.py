"""``/api/revitalization/village-profiles/``: the village profiles, read-only, with the derived categories.

Same scope and filter as the list page (:class:`.filters.VillageProfileFilter`: ``year``,
``township``, ``category``; the API assumes no year). ``is_weak`` and ``is_key`` are the
database's answers with the county's threshold.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction, restrict

from .filters import VillageProfileFilter
from .models import VillageProfile


class VillageProfileSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    is_weak = serializers.BooleanField(read_only=True)
    is_key = serializers.BooleanField(read_only=True)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = VillageProfile
        fields = ["id", "village", "village_name", "year", "ex_poor", "slack", "weak_setting", "collective_income",
                  "threshold", "is_weak", "is_key", "hardened_road", "tap_water", "broadband", "clinic", "school",
                  "note"]
        read_only_fields = fields


class VillageProfileViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VillageProfileSerializer
    filterset_class = VillageProfileFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_actions = {"list": "view", "retrieve": "view"}

    def get_queryset(self):
        return restrict(self.request.user, VillageProfile.objects.all(), "view").with_weak().select_related(
            "village").order_by("region_code", "-year")


router = SimpleRouter()
router.register("revitalization/village-profiles", VillageProfileViewSet, basename="revitalization-village-profile")

urlpatterns: list = [*router.urls]
