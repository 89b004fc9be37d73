"""Case pages: the list, opening a case and a case's page."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("", views.case_list, name="case_list"),
    path("open/", views.case_open, name="case_open"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/joint/", views.case_joint, name="case_joint"),
]
