"""The cadre and talent register's pages, under /revitalization/cadres/."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/new/", views.cadre_new, name="cadre_new"),
    path("cadres/checks/", views.cadre_checks, name="cadre_checks"),
    path("cadres/settings/", views.cadre_settings, name="cadre_settings"),
    path("cadres/import/", views.cadre_import, name="cadre_import"),
    path("cadres/import/template/", views.cadre_import_template, name="cadre_import_template"),
    path("cadres/import/<uuid:job_id>/", views.cadre_import_status, name="cadre_import_status"),
    path("cadres/import/<uuid:job_id>/report.<str:fmt>", views.cadre_import_report, name="cadre_import_report"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.cadre_edit, name="cadre_edit"),
    path("cadres/<int:pk>/unmask/", views.cadre_unmask, name="cadre_unmask"),
    path("cadres/<int:pk>/days/", views.cadre_attendance, name="cadre_attendance"),
    path("trainings/", views.training_list, name="training_list"),
    path("trainings/new/", views.training_new, name="training_new"),
    path("trainings/<int:pk>/", views.training_detail, name="training_detail"),
]
