"""Routes of the staff's self-report queue; collected in monitoring/urls.py.

The public page (no account) has its own, ``public_urls.py``, mounted under /report/.
"""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("self-reports/", views.selfreport_list, name="selfreport_list"),
    path("self-reports/<int:pk>/", views.selfreport_detail, name="selfreport_detail"),
    path("self-reports/<int:pk>/act/", views.selfreport_act, name="selfreport_act"),
    path("self-reports/<int:pk>/unmask/", views.selfreport_unmask, name="selfreport_unmask"),
    path("self-reports/<int:pk>/phone/", views.selfreport_phone, name="selfreport_phone"),
]
