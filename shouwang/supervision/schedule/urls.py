"""The periodic jobs' page and the working-day calendar (the POST routes change them)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/change/", views.schedule_change, name="schedule_change"),
    path("schedule/run/", views.schedule_run, name="schedule_run"),
    path("working-days/", views.working_days, name="working_days"),
    path("working-days/change/", views.working_day_change, name="working_day_change"),
    path("working-days/remove/", views.working_day_remove, name="working_day_remove"),
]
