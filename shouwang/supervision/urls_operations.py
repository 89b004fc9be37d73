"""Pages of the supervision operations (engineer D): exports, dispatch, spot checks, data quality."""

from __future__ import annotations

from django.urls import path

from . import views_dispatch, views_exports, views_quality, views_spotchecks

urlpatterns: list = [
    path("exports/", views_exports.export_list, name="export_list"),
    path("exports/start/<slug:name>/", views_exports.export_start, name="export_start"),
    path("exports/<uuid:job_id>/", views_exports.export_status, name="export_status"),
    path("exports/<uuid:job_id>/download/", views_exports.export_download, name="export_download"),
    path("dispatch/", views_dispatch.dispatch_index, name="dispatch_index"),
    path("dispatch/new/", views_dispatch.dispatch_new, name="dispatch_new"),
    path("dispatch/<int:pk>/", views_dispatch.dispatch_detail, name="dispatch_detail"),
    path("dispatch/<int:pk>/attachment/", views_dispatch.dispatch_attachment, name="dispatch_attachment"),
    path("dispatch/<int:pk>/close/", views_dispatch.dispatch_close, name="dispatch_close"),
    path("dispatch/answers/<int:pk>/<slug:action>/", views_dispatch.dispatch_answer, name="dispatch_answer"),
    path("spot-checks/", views_spotchecks.spotcheck_list, name="spotcheck_list"),
    path("spot-checks/<int:pk>/", views_spotchecks.spotcheck_detail, name="spotcheck_detail"),
    path("spot-checks/samples/<int:pk>/", views_spotchecks.spotcheck_sample, name="spotcheck_sample"),
    path("quality/", views_quality.quality_index, name="quality_index"),
    path("quality/run/", views_quality.quality_run, name="quality_run"),
    path("quality/runs/<uuid:job_id>/", views_quality.quality_job, name="quality_job"),
]
