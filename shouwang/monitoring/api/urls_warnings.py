"""API routes of one part of monitoring; collected in api/urls.py."""

from __future__ import annotations

urlpatterns: list = []
