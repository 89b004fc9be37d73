"""API routes of the cases part, mounted under /api/ by shouwang/api_urls.py."""

from __future__ import annotations

urlpatterns: list = []
