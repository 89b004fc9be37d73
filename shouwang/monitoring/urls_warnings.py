"""Routes of the warnings part of monitoring (queue, counts, lines, rules, screening); collected in urls.py."""

from __future__ import annotations

from django.urls import path

from . import views_warnings as views

urlpatterns: list = [
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/counts/", views.warning_counts, name="warning_counts"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("warnings/<int:pk>/act/", views.warning_act, name="warning_act"),
    path("lines/", views.line_list, name="line_list"),
    path("lines/new/", views.line_edit, name="line_create"),
    path("lines/<int:pk>/edit/", views.line_edit, name="line_edit"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/check/", views.rule_check, name="rule_check"),
    path("rules/<int:pk>/", views.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("screening/", views.screening_start, name="screening"),
    path("screening/<uuid:job_id>/", views.screening_job, name="screening_job"),
]
