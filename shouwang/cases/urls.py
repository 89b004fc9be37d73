"""Pages of the cases part, mounted under /cases/."""

from __future__ import annotations

from django.urls import path

from . import views, views_notices, views_queue, views_settings

app_name = "cases"

urlpatterns: list = [
    path("", views.case_list, name="case_list"),
    path("open/", views.case_open, name="case_open"),
    path("queue/", views_queue.queue, name="queue"),
    path("problems/", views_queue.problems, name="problems"),
    path("notices/", views_notices.notice_list, name="notice_list"),
    path("notices/new/", views_notices.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/docx/", views_notices.notice_docx, name="notice_docx"),
    path("settings/", views_settings.settings_list, name="settings_list"),
    path("settings/new/", views_settings.settings_edit, name="settings_create"),
    path("settings/<int:pk>/", views_settings.settings_edit, name="settings_edit"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/act/", views.case_act, name="case_act"),
    path("<int:pk>/attach/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/files/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/contacts/unmask/", views.contact_unmask, name="contact_unmask"),
    path("<int:pk>/measures/new/", views.measure_add, name="measure_add"),
    path("<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("<int:pk>/reidentify/", views.case_reidentify, name="case_reidentify"),
]
