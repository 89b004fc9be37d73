"""API routes of the supervision part, mounted under /api/ by shouwang/api_urls.py."""

from __future__ import annotations

from . import urls_assessment, urls_dashboards, urls_operations

urlpatterns = [*urls_dashboards.urlpatterns, *urls_assessment.urlpatterns, *urls_operations.urlpatterns]
