"""API routes of the cases part, mounted under /api/ by shouwang/api_urls.py: each feature's own."""

from __future__ import annotations

from .casework.api import urlpatterns as casework_urlpatterns
from .procedure.api import urlpatterns as procedure_urlpatterns

urlpatterns: list = [*casework_urlpatterns, *procedure_urlpatterns]
