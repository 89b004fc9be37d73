"""``/api/revitalization/assets/``: the asset ledgers, read-only, with each asset's incomes and checks.

Same scope and filter as the ledger pages (:class:`.filters.AssetFilter`: ``asset_class``,
``region``, ``status``, ``year``, ``q``); an asset outside the user's region answers 404.
Recording assets, incomes and disposals is done on the pages (their services check and audit).
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction, restrict

from .filters import AssetFilter
from .models import Asset, AssetCheck, AssetIncome


class IncomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetIncome
        fields = ["year", "income", "to_collective", "to_households", "to_monitored", "households_reached",
                  "monitored_reached"]
        read_only_fields = fields


class CheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetCheck
        fields = ["checked_on", "checked_by", "result", "note"]
        read_only_fields = fields


class AssetSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True, default=None)
    household_number = serializers.CharField(source="household.number", read_only=True, default=None)
    incomes = IncomeSerializer(many=True, read_only=True)
    checks = CheckSerializer(many=True, read_only=True)

    class Meta:
        model = Asset
        fields = ["id", "number", "name", "asset_class", "region_code", "region_name", "project", "project_name",
                  "kind", "quantity", "formed_year", "value", "owner", "manager", "handover_date", "household_number",
                  "status", "note", "incomes", "checks"]
        read_only_fields = fields


class AssetViewSet(viewsets.ReadOnlyModelViewSet):
    """The assets of the user's region."""

    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_actions = {"list": "view", "retrieve": "view"}

    def get_queryset(self):
        return restrict(self.request.user, Asset.objects.all(), "view").select_related(
            "region", "project", "household").prefetch_related("incomes", "checks").order_by("region_code", "number")


router = SimpleRouter()
router.register("revitalization/assets", AssetViewSet, basename="revitalization-asset")

urlpatterns: list = [*router.urls]
