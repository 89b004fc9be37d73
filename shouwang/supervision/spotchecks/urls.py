"""Spot-check pages: the draws (and the draw form), one draw's sample, one sampled household."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("spot-checks/", views.spotcheck_list, name="spotcheck_list"),
    path("spot-checks/<int:pk>/", views.spotcheck_detail, name="spotcheck_detail"),
    path("spot-checks/samples/<int:pk>/", views.spotcheck_sample, name="spotcheck_sample"),
]
