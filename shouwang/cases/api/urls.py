"""API routes of the cases part, mounted under /api/ by shouwang/api_urls.py."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .views import CaseViewSet, ProcedureSettingsViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("procedure-settings", ProcedureSettingsViewSet, basename="procedure-settings")

urlpatterns: list = [*router.urls]
