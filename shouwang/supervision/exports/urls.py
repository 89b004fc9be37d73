"""Export pages: the user's exports, starting one from a list page, its progress and its file."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/start/<slug:name>/", views.export_start, name="export_start"),
    path("exports/<uuid:job_id>/", views.export_status, name="export_status"),
    path("exports/<uuid:job_id>/download/", views.export_download, name="export_download"),
]
