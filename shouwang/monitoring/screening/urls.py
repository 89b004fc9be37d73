"""Routes of the screening pages (start a run, watch its job, check a rule being edited); collected in
monitoring/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("screening/", views.screening_start, name="screening"),
    path("screening/<uuid:job_id>/", views.screening_job, name="screening_job"),
    # The rule page's live check: it runs the screening engine, so it is screening's view.
    path("rules/check/", views.rule_check, name="rule_check"),
]
