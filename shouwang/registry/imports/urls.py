"""Registry import pages: upload, the job's status and report, the template download."""

from django.urls import path

from . import views

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.template_download, name="import_template"),
    path("import/<uuid:job_id>/", views.import_status, name="import_status"),
    path("import/<uuid:job_id>/report.<str:fmt>", views.import_report, name="import_report"),
]
