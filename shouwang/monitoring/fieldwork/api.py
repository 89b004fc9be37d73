"""Field work over the API: visits (list, record), campaigns and their progress, visit tasks.

Scoped like the pages: every queryset comes from the services, which go through ``restrict``;
an object outside the user's region answers 404 and a household outside it cannot be named
in a new visit. Personal numbers appear only masked; fields are listed, never ``__all__``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from . import services as fieldwork
from .models import Campaign, TaskStatus
from .serializers import CampaignSerializer, CampaignTaskSerializer, ProgressSerializer, VisitSerializer


class VisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Visits in the user's region; POST records one (a finding raises a warning)."""

    serializer_class = VisitSerializer

    def get_queryset(self):
        queryset = fieldwork.visits_for(self.request.user).order_by("-visited_on", "-id")
        household = self.request.query_params.get("household")
        if household:
            queryset = queryset.filter(household__number=household)
        return queryset

    @extend_schema(parameters=[OpenApiParameter("household", str, description="household number (户编号)")])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args, **kwargs) -> Response:
        if not request.user.can("change"):
            raise PermissionDenied
        return super().create(request, *args, **kwargs)


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns over, within or around the user's region; ``progress`` counts within it."""

    serializer_class = CampaignSerializer

    def get_queryset(self):
        return Campaign.objects.restrict(self.request.user).select_related("region")

    @extend_schema(responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk=None) -> Response:
        campaign = self.get_object()
        root = fieldwork.campaign_progress(campaign, request.user)
        data = root.as_dict()
        data.pop("villages", None)
        data["townships"] = [township.as_dict() for township in root.children]
        return Response(data)


class CampaignTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Visit tasks in the user's region; filter by ``campaign`` and ``status``."""

    serializer_class = CampaignTaskSerializer

    def get_queryset(self):
        queryset = fieldwork.tasks_for(self.request.user).order_by(
            "campaign_id", "region_code", "household_id"
        )
        campaign = self.request.query_params.get("campaign", "")
        if campaign.isdigit():
            queryset = queryset.filter(campaign_id=int(campaign))
        status = self.request.query_params.get("status")
        if status in TaskStatus.values:
            queryset = queryset.filter(status=status)
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int),
            OpenApiParameter("status", str, enum=TaskStatus.values),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)


# --- routes, collected in monitoring/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("visits", VisitViewSet, basename="visit")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("campaign-tasks", CampaignTaskViewSet, basename="campaign-task")

urlpatterns: list = [*router.urls]
