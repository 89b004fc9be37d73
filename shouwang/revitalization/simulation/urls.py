"""Routes of the simulation pages; collected in revitalization/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("simulation/", views.scenario_list, name="simulation_list"),
    path("simulation/new/", views.scenario_new, name="simulation_new"),
    path("simulation/compare/", views.scenario_compare, name="simulation_compare"),
    path("simulation/<int:pk>/", views.scenario_detail, name="simulation_detail"),
    path("simulation/<int:pk>/run/", views.scenario_run, name="simulation_run"),
    path("simulation/<int:pk>/subjects/", views.scenario_subjects, name="simulation_subjects"),
    path("simulation/<int:pk>/adopt/", views.scenario_adopt, name="simulation_adopt"),
]
