"""Elimination pages of a case: identifying it again for a new risk."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("<int:pk>/reidentify/", views.case_reidentify, name="case_reidentify"),
]
