"""Routes of the department-feed pages; collected in monitoring/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("feeds/", views.feed_upload, name="feed_upload"),
    path("feeds/jobs/<uuid:job_id>/", views.feed_status, name="feed_status"),
    path("feeds/jobs/<uuid:job_id>/report.<str:fmt>", views.feed_job_report, name="feed_job_report"),
    path("feeds/batches/", views.feed_batch_list, name="feed_batch_list"),
    path("feeds/batches/<int:pk>/", views.feed_batch_detail, name="feed_batch_detail"),
    path("feeds/columns/", views.feed_columns, name="feed_columns"),
    path("feeds/template/<str:feed_type>.xlsx", views.feed_template, name="feed_template"),
]
