"""The normalised mechanism's pages, under /revitalization/mechanism/."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("mechanism/", views.mechanism_index, name="mechanism"),
    path("mechanism/settings/", views.mechanism_settings, name="mechanism_settings"),
    path("mechanism/label-exit/", views.label_exit_candidates, name="label_exit_candidates"),
    path("mechanism/label-exit/history/", views.label_exit_history, name="label_exit_history"),
    path("mechanism/label-exit/<int:pk>/decide/", views.label_exit_decide, name="label_exit_decide"),
]
