"""``/api/dashboard/`` and ``/api/dashboard/{code}/``: the dashboard's figures as JSON.

The same reading as the pages (:func:`shouwang.supervision.dashboards.services.read_dashboard`), the
same scope: the user's own region by default, a region inside it by code, anything else 404.
Figures are nested ``{metric: {key: value}}`` (the metric names are documented in
``shouwang.supervision.dashboards.aggregates``); months are the last twelve, oldest first.
"""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shouwang.core.permissions import DeclaredAction

from . import views
from .services import Snapshot, read_dashboard, region_for


def nested(snapshot: Snapshot) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (metric, key), value in sorted(snapshot.values.items()):
        out.setdefault(metric, {})[key] = value
    return out


def summary(snapshot: Snapshot) -> dict:
    return {
        "monitored": snapshot.monitored,
        "identifying": snapshot.identifying,
        "open_warnings": snapshot.open_warnings,
        "overdue": snapshot.overdue,
        "measure_share": snapshot.measure_share,
        "contact_share": snapshot.contact_share,
        "development_share": snapshot.development_share,
    }


class DashboardView(APIView):
    """The figures of the user's region (or of ``code``, a region inside it) and of its sub-areas."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = "view"

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Dashboard figures of a region")
    def get(self, request: Request, code: str | None = None) -> Response:
        region = region_for(request.user, code)  # outside the scope: 404
        data = read_dashboard(request.user, region, today=views.today())
        refreshed = data.refreshed
        return Response(
            {
                "region": {"code": region.code, "name": region.name, "level": region.level},
                "refreshed_at": refreshed.finished_at if refreshed else None,
                "income_year": refreshed.income_year if refreshed else None,
                "summary": summary(data.totals),
                "figures": nested(data.totals),
                "areas": [
                    {
                        "code": a.code,
                        "name": a.name,
                        "level": a.level,
                        "summary": summary(a.figures),
                        "figures": nested(a.figures),
                    }
                    for a in data.areas
                ],
                "months": [
                    {"month": start.isoformat(), "figures": nested(data.monthly[start])}
                    for start in data.months
                ],
            }
        )


class DashboardRegionView(DashboardView):
    """The same figures for a region inside the user's own (its own operation id in the schema)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Dashboard figures of a region inside the user's",
                   operation_id="dashboard_region_retrieve")
    def get(self, request: Request, code: str | None = None) -> Response:
        return super().get(request, code)


urlpatterns: list = [
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    re_path(r"^dashboard/(?P<code>[0-9]{2,15})/$", DashboardRegionView.as_view(), name="dashboard-region"),
]
