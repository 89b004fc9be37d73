"""Assistance pages of a case: unmasking the contacts' phones, adding a measure or a contact."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("<int:pk>/contacts/unmask/", views.contact_unmask, name="contact_unmask"),
    path("<int:pk>/measures/new/", views.measure_add, name="measure_add"),
    path("<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
]
