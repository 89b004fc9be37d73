"""API routes of the supervision part, mounted under /api/ by shouwang/api_urls.py (one api module per feature)."""

from __future__ import annotations

from .assessment import api as assessment_api
from .dashboards import api as dashboards_api
from .dispatch import api as dispatch_api

urlpatterns = [*dashboards_api.urlpatterns, *assessment_api.urlpatterns, *dispatch_api.urlpatterns]
