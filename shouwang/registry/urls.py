from django.urls import path

from . import views, views_import

app_name = "registry"
urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/unmask/", views.household_unmask, name="household_unmask"),
    path("import/", views_import.import_page, name="import"),
    path("import/template.xlsx", views_import.template_download, name="import_template"),
    path("import/<uuid:job_id>/", views_import.import_status, name="import_status"),
    path("import/<uuid:job_id>/report.<str:fmt>", views_import.import_report, name="import_report"),
]
