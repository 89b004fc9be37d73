"""Field work over the API: visits (list, record), campaigns and their progress, visit tasks.

Scoped like the pages: every queryset comes from the services, which go through ``restrict``;
an object outside the user's region answers 404 and a household outside it cannot be named
in a new visit. Personal numbers appear only masked; fields are listed, never ``__all__``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from . import services as fieldwork
from .filters import CampaignTaskFilter, VisitFilter
from .permissions import RECORD_VISIT, VIEW_CAMPAIGN
from .serializers import CampaignSerializer, CampaignTaskSerializer, ProgressSerializer, VisitSerializer


class VisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Visits in the user's region; POST records one (a finding raises a warning)."""

    serializer_class = VisitSerializer
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = "view"
    required_actions = {"create": RECORD_VISIT.name}
    answers_by_scope = True  # a role that reads nothing reads an empty list

    filterset_class = VisitFilter

    def get_queryset(self):
        return fieldwork.visits_for(self.request.user).order_by("-visited_on", "-id")


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns over, within or around the user's region; ``progress`` counts within it."""

    serializer_class = CampaignSerializer
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_CAMPAIGN.name
    answers_by_scope = True

    def get_queryset(self):
        return fieldwork.campaigns_for(self.request.user).select_related("region")

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
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = "view"
    answers_by_scope = True

    filterset_class = CampaignTaskFilter

    def get_queryset(self):
        return fieldwork.tasks_for(self.request.user).order_by("campaign_id", "region_code", "household_id")


# --- routes, collected in monitoring/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("visits", VisitViewSet, basename="visit")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("campaign-tasks", CampaignTaskViewSet, basename="campaign-task")

urlpatterns: list = [*router.urls]
