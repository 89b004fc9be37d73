"""API routes of the supervision operations (engineer D): dispatch inbox and tasks."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .dispatch import InboxViewSet, IssuedTaskViewSet

router = SimpleRouter()
router.register("dispatch/inbox", InboxViewSet, basename="dispatch-inbox")
router.register("dispatch/tasks", IssuedTaskViewSet, basename="dispatch-task")

urlpatterns: list = [*router.urls]
