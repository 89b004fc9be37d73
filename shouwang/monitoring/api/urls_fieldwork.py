"""API routes of the field-work part of monitoring; collected in api/urls.py."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .fieldwork import CampaignTaskViewSet, CampaignViewSet, SelfReportViewSet, VisitViewSet

router = SimpleRouter()
router.register("visits", VisitViewSet, basename="visit")
router.register("self-reports", SelfReportViewSet, basename="self-report")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("campaign-tasks", CampaignTaskViewSet, basename="campaign-task")

urlpatterns: list = [*router.urls]
