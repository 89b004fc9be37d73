"""API routes of the cases part, mounted under /api/ by shouwang/api_urls.py: each feature's own."""

from __future__ import annotations

from .casefiles.api import urlpatterns as casefiles_urlpatterns
from .procedure.api import urlpatterns as procedure_urlpatterns

urlpatterns: list = [*casefiles_urlpatterns, *procedure_urlpatterns]
