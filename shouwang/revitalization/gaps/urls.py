"""Gap pages: the policies' gaps, one policy's gaps, sending them to the warning queues."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("gaps/", views.gap_index, name="gap_index"),
    path("gaps/<int:pk>/", views.gap_policy, name="gap_policy"),
    path("gaps/<int:pk>/warnings/", views.gap_warnings, name="gap_warnings"),
]
