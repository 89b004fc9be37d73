"""Screening pages: the county's button that starts screening as a job, and the job's progress.

Thin views: who may screen and the job itself are :mod:`.tasks`'.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from shouwang.core.models import Job
from shouwang.regions.models import Region

from .forms import ScreeningForm
from .tasks import JOB_KIND, may_screen, start_screening


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


# --- screening --------------------------------------------------------------------------------


def _require_screen(request: HttpRequest) -> None:
    if not may_screen(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def screening_start(request: HttpRequest) -> HttpResponse:
    """The county's button: start screening as a background job and watch it."""
    _require_screen(request)
    form = ScreeningForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_screening(request.user, year=form.cleaned_data["year"], region=form.cleaned_data["region"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("monitoring:screening_job", job_id=job.pk)
    prefix = request.user.scope_prefix or ""
    jobs = Job.objects.filter(kind=JOB_KIND, params__region__startswith=prefix).select_related("user")[:10]
    return render(request, "monitoring/screening_start.html", {"form": form, "jobs": jobs})


@login_required
@require_http_methods(["GET", "HEAD"])
def screening_job(request: HttpRequest, job_id) -> HttpResponse:
    """Progress while the job runs (the page refreshes itself), then the summary."""
    _require_screen(request)
    job = get_object_or_404(Job, pk=job_id, kind=JOB_KIND)
    if not str(job.params.get("region") or "").startswith(request.user.scope_prefix or ""):
        raise PermissionDenied
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    result = job.result or {}
    context = {
        "job": job, "finished": finished, "result": result,
        "summary_json": json.dumps(result, ensure_ascii=False, indent=2) if result else "",
        "per_rule": sorted((result.get("per_rule") or {}).items()),
        "region_name": _region_names([job.params.get("region") or ""]).get(job.params.get("region") or "", ""),
    }
    response = render(request, "monitoring/screening_job.html", context)
    if not finished:
        response["Refresh"] = "2"
    return response
