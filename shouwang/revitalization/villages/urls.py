"""Village pages: the profiles, the key villages without a first secretary, the threshold, the import, one village."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("villages/", views.village_list, name="village_list"),
    path("villages/key-without-secretary/", views.key_villages, name="village_key_lacking"),
    path("villages/threshold/", views.village_threshold, name="village_threshold"),
    path("villages/import/", views.village_import, name="village_import"),
    path("villages/import/template/", views.village_import_template, name="village_import_template"),
    path("villages/<str:code>/", views.village_profile, name="village_profile"),
    path("villages/<str:code>/edit/", views.village_edit, name="village_edit"),
]
