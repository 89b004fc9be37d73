"""Routes of the field-work pages (visits, campaigns, visit tasks); collected in monitoring/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("households/<int:household_pk>/visit/", views.visit_new, name="visit_new"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("tasks/", views.task_list, name="task_list"),
]
