"""API routes of the assessment (engineer F): indicator definitions and stored scorecards."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .assessment import IndicatorViewSet, ScorecardViewSet

router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("scorecards", ScorecardViewSet, basename="scorecard")

urlpatterns: list = [*router.urls]
