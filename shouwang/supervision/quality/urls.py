"""Data-quality pages: the findings, the run button and the run's progress."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("quality/", views.quality_index, name="quality_index"),
    path("quality/run/", views.quality_run, name="quality_run"),
    path("quality/runs/<uuid:job_id>/", views.quality_job, name="quality_job"),
]
