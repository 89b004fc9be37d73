"""Routes of the monitoring-line pages; collected in monitoring/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("lines/", views.line_list, name="line_list"),
    path("lines/new/", views.line_edit, name="line_create"),
    path("lines/carry-forward/", views.line_carry_forward, name="line_carry_forward"),
    path("lines/<int:pk>/edit/", views.line_edit, name="line_edit"),
]
