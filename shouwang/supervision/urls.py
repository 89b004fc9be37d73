"""Pages of the supervision part, mounted under /supervision/ (one url module per concern)."""

from __future__ import annotations

from . import urls_assessment, urls_dashboards, urls_operations

app_name = "supervision"

urlpatterns = [*urls_dashboards.urlpatterns, *urls_assessment.urlpatterns, *urls_operations.urlpatterns]
