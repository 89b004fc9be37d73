"""Routes of the warning pages (queue, counts, a warning, its actions); collected in monitoring/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/counts/", views.warning_counts, name="warning_counts"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("warnings/<int:pk>/act/", views.warning_act, name="warning_act"),
]
