"""The public pages, reached without an account (a farmer's self-report from a phone)."""

from __future__ import annotations

app_name = "public"
urlpatterns: list = []
