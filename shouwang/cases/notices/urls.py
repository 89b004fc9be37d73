"""Public-notice pages: the list, posting a notice, the printable page and the Word file."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/docx/", views.notice_docx, name="notice_docx"),
]
