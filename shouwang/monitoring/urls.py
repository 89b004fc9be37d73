"""Monitoring pages: department feeds, field work (self-reports, visits, campaigns), warnings."""

from __future__ import annotations

from . import urls_feeds, urls_fieldwork, urls_warnings

app_name = "monitoring"
urlpatterns = [*urls_feeds.urlpatterns, *urls_fieldwork.urlpatterns, *urls_warnings.urlpatterns]
