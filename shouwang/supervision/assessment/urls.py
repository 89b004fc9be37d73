"""Assessment pages: scorecards, a township's villages, indicators, weights, the job."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("assessment/", views.scorecard, name="assessment"),
    path("assessment/township/", views.township, name="assessment_township"),
    path("assessment/compute/", views.compute, name="assessment_compute"),
    path("assessment/jobs/<uuid:job_id>/", views.job_status, name="assessment_job"),
    path("assessment/indicators/", views.indicators, name="assessment_indicators"),
    path("assessment/weights/", views.weights, name="assessment_weights"),
]
