"""Takeover pages: the upload, the job's status and report, the synonym table, the reconciliation list."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("takeover/", views.takeover_page, name="takeover"),
    path("takeover/<uuid:job_id>/", views.takeover_status, name="takeover_status"),
    path("takeover/<uuid:job_id>/report.<str:fmt>", views.takeover_report, name="takeover_report"),
    path("takeover/synonyms/", views.synonym_list, name="takeover_synonyms"),
    path("takeover/synonyms/add/", views.synonym_add, name="takeover_synonym_add"),
    path("takeover/synonyms/<int:pk>/delete/", views.synonym_delete, name="takeover_synonym_delete"),
    path("takeover/reconciliation/", views.reconciliation_list, name="takeover_reconciliation"),
    path("takeover/reconciliation/<int:pk>/resolve/", views.reconciliation_resolve, name="takeover_resolve"),
]
