"""Enrolment pages: the list, by hand (add, correct, remove), derive again."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("enrolments/", views.enrolment_list, name="enrolment_list"),
    path("enrolments/new/", views.enrolment_new, name="enrolment_new"),
    path("enrolments/<int:pk>/", views.enrolment_edit, name="enrolment_edit"),
    path("enrolments/sync/", views.enrolment_sync, name="enrolment_sync"),
]
