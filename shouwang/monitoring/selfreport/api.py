"""Self-reports over the API: read only, for staff, in their region; personal numbers masked.

Scoped like the pages: the queryset comes from the services, which go through ``restrict``;
a report outside the user's region answers 404. Fields are listed, never ``__all__``.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from ..fieldwork.serializers import status_field
from . import services
from .filters import SelfReportFilter
from .models import SelfReport, SelfReportStatus


class SelfReportSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    household_number = serializers.CharField(source="household.number", read_only=True, default=None)
    status = status_field(SelfReportStatus)

    class Meta:
        model = SelfReport
        fields = [
            "id",
            "created_at",
            "status",
            "region_code",
            "village",
            "village_name",
            "name",
            "id_masked",
            "phone_masked",
            "birth_year",
            "minor",
            "risk_type",
            "description",
            "guardian_name",
            "guardian_id_masked",
            "guardian_phone_masked",
            "household",
            "household_number",
            "warning",
            "close_reason",
            "closed_at",
        ]
        read_only_fields = fields


class SelfReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Self-reports in the user's region (staff only); numbers masked."""

    serializer_class = SelfReportSerializer
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = "view"
    answers_by_scope = True  # a role that reads nothing reads an empty list

    filterset_class = SelfReportFilter

    def get_queryset(self):
        return services.self_reports_for(self.request.user).order_by("-created_at", "-id")


# --- routes, collected in monitoring/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("self-reports", SelfReportViewSet, basename="self-report")

urlpatterns: list = [*router.urls]
