"""API routes of the department feeds; collected in api/urls.py."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from .feeds import FeedBatchViewSet, FeedRowsView

router = SimpleRouter()
router.register("feed-batches", FeedBatchViewSet, basename="feedbatch")

urlpatterns: list = [
    path("feeds/<str:feed_type>/rows/", FeedRowsView.as_view(), name="feed-rows"),
    *router.urls,
]
