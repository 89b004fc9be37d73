"""Pages of the cases part, mounted under /cases/."""

from __future__ import annotations

app_name = "cases"

urlpatterns: list = []
