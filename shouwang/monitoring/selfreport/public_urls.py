"""The public pages, reached without an account (a farmer's self-report from a phone)."""

from __future__ import annotations

from django.urls import path

from . import public_views

app_name = "public"
urlpatterns: list = [
    path("", public_views.self_report, name="self_report"),
    path("thanks/", public_views.self_report_thanks, name="self_report_thanks"),
]
