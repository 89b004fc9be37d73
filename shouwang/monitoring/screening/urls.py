"""Routes of the screening pages (start a run, watch its job); collected in monitoring/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("screening/", views.screening_start, name="screening"),
    path("screening/<uuid:job_id>/", views.screening_job, name="screening_job"),
]
