from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("changes/", views.changelog, name="changelog"),
    path("access/", views.accesslog, name="accesslog"),
]
