"""Routes of the relative-poverty pages; collected in revitalization/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("relative/", views.relative_poverty, name="relative_poverty"),
    path("relative/shares/", views.relative_shares, name="relative_shares"),
]
