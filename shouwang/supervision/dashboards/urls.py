"""Dashboard pages: the user's region, a region inside it, the refresh job."""

from __future__ import annotations

from django.urls import path, re_path

from . import views

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/refresh/", views.dashboard_refresh, name="dashboard_refresh"),
    path("dashboard/refresh/<uuid:job_id>/", views.dashboard_job, name="dashboard_job"),
    re_path(r"^dashboard/(?P<code>[0-9]{2,15})/$", views.dashboard, name="dashboard_region"),
]
