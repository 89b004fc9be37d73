"""Routes of the policy pages; collected in revitalization/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_edit, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
]
