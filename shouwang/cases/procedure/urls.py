"""Procedure pages: the user's pending steps, the time limits, and acting on a case and its files."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("queue/", views.queue, name="queue"),
    path("settings/", views.settings_list, name="settings_list"),
    path("settings/new/", views.settings_edit, name="settings_create"),
    path("settings/<int:pk>/", views.settings_edit, name="settings_edit"),
    path("<int:pk>/act/", views.case_act, name="case_act"),
    path("<int:pk>/attach/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/files/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
