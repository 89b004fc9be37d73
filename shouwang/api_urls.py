"""The REST API: households, regions, and the OpenAPI schema with its documentation page.

The documentation page serves Swagger UI from ``drf-spectacular-sidecar``'s static files:
nothing is loaded from a CDN (government networks are often closed).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView, _get_sidecar_url
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from shouwang.cases.api_urls import urlpatterns as cases_urlpatterns
from shouwang.monitoring.api_urls import urlpatterns as monitoring_urlpatterns
from shouwang.regions.api.views import RegionViewSet
from shouwang.registry.api_urls import urlpatterns as registry_urlpatterns
from shouwang.registry.households.api import HouseholdViewSet
from shouwang.revitalization.api_urls import urlpatterns as revitalization_urlpatterns
from shouwang.supervision.api_urls import urlpatterns as supervision_urlpatterns

app_name = "api"


class SchemaView(SpectacularAPIView):
    permission_classes = [IsAuthenticated]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from local static files, whatever ``SPECTACULAR_SETTINGS`` says.

    The split view serves its start-up script from a URL of its own (``?script``) and our template
    takes the page's style from a static file, so the page runs under the site's CSP (no inline
    script or style).
    """

    permission_classes = [IsAuthenticated]
    template_name = "web/api_docs.html"

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return _get_sidecar_url(f"swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return _get_sidecar_url("swagger-ui-dist/favicon-32x32.png")


router = DefaultRouter()
router.register("households", HouseholdViewSet, basename="household")
router.register("regions", RegionViewSet, basename="region")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    *registry_urlpatterns,
    *monitoring_urlpatterns,
    *cases_urlpatterns,
    *revitalization_urlpatterns,
    *supervision_urlpatterns,
]
