"""Registry API routes, mounted under /api/ by shouwang/api_urls.py.

``/api/households/`` (:class:`.households.api.HouseholdViewSet`) is registered on the project's
router there, so that the API root lists it beside the regions; this module collects the
registry's other API routes (none yet) for that file to include.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
