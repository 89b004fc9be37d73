"""Household pages: the list with its searches, a household's page and unmasking its numbers, showing its phones."""

from django.urls import path

from . import views

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/unmask/", views.household_unmask, name="household_unmask"),
    path("households/<int:pk>/phones/", views.household_phones, name="household_phones"),
]
