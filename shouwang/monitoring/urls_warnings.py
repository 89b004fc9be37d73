"""Routes of one part of monitoring; collected in urls.py."""

from __future__ import annotations

urlpatterns: list = []
