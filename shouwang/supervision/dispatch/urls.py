"""Dispatch pages: the inbox and the tasks sent, a new task, one task, its attachment, answers."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns: list = [
    path("dispatch/", views.dispatch_index, name="dispatch_index"),
    path("dispatch/new/", views.dispatch_new, name="dispatch_new"),
    path("dispatch/<int:pk>/", views.dispatch_detail, name="dispatch_detail"),
    path("dispatch/<int:pk>/attachment/", views.dispatch_attachment, name="dispatch_attachment"),
    path("dispatch/<int:pk>/close/", views.dispatch_close, name="dispatch_close"),
    path("dispatch/answers/<int:pk>/<slug:action>/", views.dispatch_answer, name="dispatch_answer"),
]
