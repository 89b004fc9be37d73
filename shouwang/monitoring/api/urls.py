"""Monitoring API routes, mounted under /api/ by shouwang/api_urls.py."""

from __future__ import annotations

from . import urls_feeds, urls_fieldwork, urls_warnings

urlpatterns = [*urls_feeds.urlpatterns, *urls_fieldwork.urlpatterns, *urls_warnings.urlpatterns]
