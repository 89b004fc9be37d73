"""API routes of the dashboards (engineer E); collected in api/urls.py."""

from __future__ import annotations

from django.urls import path, re_path

from .dashboards import DashboardRegionView, DashboardView

urlpatterns: list = [
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    re_path(r"^dashboard/(?P<code>[0-9]{2,15})/$", DashboardRegionView.as_view(), name="dashboard-region"),
]
