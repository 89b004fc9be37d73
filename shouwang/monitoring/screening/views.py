"""Screening pages: the county's button that starts screening as a job, the job's progress, and the
live check of a rule being edited (who it would fire for, screened as screening would).

Thin views: who may screen and the job itself are :mod:`.tasks`'; the check is :mod:`.preview`'s.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.models import Job
from shouwang.core.permissions import home_region, require, requires
from shouwang.regions.models import region_names

from ..lines.services import missing_line, missing_line_years
from ..rules.facts import format_value
from ..rules.permissions import EDIT_RULE
from .forms import ScreeningForm
from .permissions import SCREEN
from .preview import PreviewError, preview_rule
from .tasks import JOB_KIND, start_screening

# --- screening --------------------------------------------------------------------------------


@login_required
@requires(SCREEN.name)
@require_http_methods(["GET", "HEAD", "POST"])
def screening_start(request: HttpRequest) -> HttpResponse:
    """The county's button: start screening as a background job and watch it."""
    form = ScreeningForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_screening(request.user, year=form.cleaned_data["year"], region=form.cleaned_data["region"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("monitoring:screening_job", job_id=job.pk)
    # A job is not a region-keyed row (its region is a parameter): the jobs over the user's region.
    jobs = Job.objects.filter(kind=JOB_KIND, params__region__startswith=home_region(request.user))
    jobs = jobs.select_related("user")[:10]
    missing = missing_line_years(home_region(request.user) or "")
    return render(request, "monitoring/screening_start.html",
                  {"form": form, "jobs": jobs, "missing_line_years": missing})


@login_required
@requires(SCREEN.name)
@require_http_methods(["GET", "HEAD"])
def screening_job(request: HttpRequest, job_id) -> HttpResponse:
    """Progress while the job runs (the page refreshes itself), then the summary."""
    job = get_object_or_404(Job, pk=job_id, kind=JOB_KIND)
    require(request.user, SCREEN.name, str(job.params.get("region") or ""))
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    result = job.result or {}
    context = {
        "job": job, "finished": finished, "result": result,
        "summary_json": json.dumps(result, ensure_ascii=False, indent=2) if result else "",
        "per_rule": sorted((result.get("per_rule") or {}).items()),
        "region_name": region_names([job.params.get("region") or ""]).get(job.params.get("region") or "", ""),
        "missing_line_years": [result["year"]] if finished and result.get("year") and missing_line(
            str(job.params.get("region") or home_region(request.user) or ""), result["year"]) else [],
    }
    response = render(request, "monitoring/screening_job.html", context)
    if not finished:
        response["Refresh"] = "2"
    return response


# --- the live check of a rule being edited ------------------------------------------------------


@login_required
@requires(EDIT_RULE.name)
@require_POST
def rule_check(request: HttpRequest) -> JsonResponse:
    """Validate an expression as it is typed; when it compiles, who would fire (nothing written).

    Answers ``{"ok": false, "field", "error", "line", "column"}`` or ``{"ok": true, "count",
    "households": [...], "year", "window", "facts"}``.
    """
    raw = request.POST.get("parameters", "").strip()
    try:
        parameters = json.loads(raw) if raw else {}
    except ValueError as exc:
        return JsonResponse({"ok": False, "field": "parameters", "error": _("The parameters are not valid JSON: %(e)s")
                             % {"e": exc}, "line": None, "column": None, "offset": None})
    year_text = request.POST.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() else None
    try:
        preview = preview_rule(request.POST.get("expression", ""), parameters, request.user, year=year)
    except PreviewError as exc:
        return JsonResponse(exc.as_dict())
    names = region_names({h.region_code for h in preview.households})
    return JsonResponse({
        "ok": True, "year": preview.year, "count": preview.count, "facts": preview.facts,
        "window": [d.isoformat() for d in preview.window] if preview.window else None,
        "households": [
            {"id": h.household_id, "number": h.number, "village": names.get(h.region_code, h.region_code),
             "url": reverse("registry:household_detail", args=[h.household_id]),
             "facts": {name: format_value(v, name) for name, v in h.facts.items()}}
            for h in preview.households
        ],
    })
