"""API routes of the warnings part of monitoring (lines, rules, warnings); collected in api/urls.py."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .lines import MonitoringLineViewSet
from .rules import RuleViewSet
from .warnings import WarningViewSet

router = SimpleRouter()
router.register("lines", MonitoringLineViewSet, basename="monitoring-line")
router.register("rules", RuleViewSet, basename="rule")
router.register("warnings", WarningViewSet, basename="warning")

urlpatterns: list = [*router.urls]
