"""The public pages, reached without an account (a farmer's self-report from a phone)."""

from __future__ import annotations

from django.urls import path

from . import views_public

app_name = "public"
urlpatterns: list = [
    path("", views_public.self_report, name="self_report"),
    path("thanks/", views_public.self_report_thanks, name="self_report_thanks"),
]
