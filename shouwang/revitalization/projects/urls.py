"""Project library pages (项目库), under /revitalization/projects/."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/figures/", views.project_figures, name="project_figures"),
    path("projects/figures/target/", views.project_target, name="project_target"),
    path("projects/roll-over/", views.project_roll_over, name="project_roll_over"),
    path("projects/import/", views.project_import, name="project_import"),
    path("projects/import/template/", views.project_import_template, name="project_import_template"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/review/", views.project_review, name="project_review"),
    path("projects/<int:pk>/decide/", views.project_decide, name="project_decide"),
    path("projects/<int:pk>/funds/", views.project_funds, name="project_funds"),
    path("projects/<int:pk>/disbursements/", views.project_disburse, name="project_disburse"),
    path("projects/<int:pk>/beneficiaries/", views.project_beneficiary, name="project_beneficiary"),
    path("projects/<int:pk>/beneficiaries/import/", views.beneficiary_import, name="project_beneficiary_import"),
    path("projects/<int:pk>/beneficiaries/template/", views.beneficiary_import_template,
         name="project_beneficiary_template"),
    path("projects/beneficiaries/<int:pk>/remove/", views.beneficiary_remove, name="project_beneficiary_remove"),
]
