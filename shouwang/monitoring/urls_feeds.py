"""Routes of the department-feed pages; collected in urls.py."""

from __future__ import annotations

from django.urls import path

from . import views_feeds

urlpatterns: list = [
    path("feeds/", views_feeds.feed_upload, name="feed_upload"),
    path("feeds/jobs/<uuid:job_id>/", views_feeds.feed_status, name="feed_status"),
    path("feeds/jobs/<uuid:job_id>/report.<str:fmt>", views_feeds.feed_job_report, name="feed_job_report"),
    path("feeds/batches/", views_feeds.feed_batch_list, name="feed_batch_list"),
    path("feeds/batches/<int:pk>/", views_feeds.feed_batch_detail, name="feed_batch_detail"),
    path("feeds/columns/", views_feeds.feed_columns, name="feed_columns"),
    path("feeds/template/<str:feed_type>.xlsx", views_feeds.feed_template, name="feed_template"),
]
