"""The page of cases that break a consistency rule."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("problems/", views.problems, name="problems"),
]
