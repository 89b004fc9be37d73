"""Assessment pages: the county's ranked scorecard, a township's villages, indicators and weights.

Thin views: scoring, scope and who may do what live in :mod:`.services`; the computation runs
as a job (:mod:`.tasks`). Pages read stored snapshots only, so they answer at once
whatever the size of the registry. Every row comes through ``assessment.visible_rows``
(``ScorecardRow.objects.restrict``): a township officer's page holds their township and its
villages, nothing of another township.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.models import Job
from shouwang.core.permissions import can, home_region, require, requires
from shouwang.regions.models import Region

from . import services as assessment
from .filters import chosen_period
from .forms import PeriodForm, WeightsForm
from .indicators import INDICATORS, Scale
from .models import ScorecardLevel, ScorecardSnapshot
from .tasks import JOB_KIND, start_scorecard

# --- the period -------------------------------------------------------------------------------


@dataclass
class Selection:
    """The county and period a page shows, from the query string or sensible defaults."""

    county: str
    start: date | None
    end: date | None
    form: PeriodForm
    counties: list[Region]

    @property
    def query(self) -> str:
        if not (self.start and self.end):
            return ""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if len(self.counties) > 1:
            params["county"] = self.county
        return urlencode(params)


def _select(request: HttpRequest, params: QueryDict | None = None) -> Selection:
    params = params if params is not None else request.GET
    counties = assessment.counties_for(request.user)
    county = assessment.chosen_county(counties, params.get("county"))
    start = end = None
    data = params.copy()
    if not (params.get("start") or params.get("end")):
        chosen = chosen_period(county, params.get("period"))  # as the API and the exports choose it
        data["start"], data["end"] = chosen[0].isoformat(), chosen[1].isoformat()
    data["county"] = county
    form = PeriodForm(data, counties=counties)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return Selection(county, start, end, form, counties)


def _table(rows, specs) -> list[dict]:
    return [{"row": row, "cells": assessment.cells(row, specs)} for row in rows]


def _base_context(request: HttpRequest, selection: Selection) -> dict:
    snapshot = (
        assessment.snapshot_for(selection.county, selection.start, selection.end)
        if selection.county and selection.start and selection.end else None
    )
    specs = list(INDICATORS.values())
    return {
        "selection": selection, "form": selection.form, "snapshot": snapshot, "specs": specs,
        "periods": assessment.period_choices(),
        "can_manage": can(request.user, "supervision.manage_assessment", selection.county or None),
        "unavailable": [INDICATORS[c] for c in (snapshot.unavailable if snapshot else []) if c in INDICATORS],
    }


# --- the scorecard ------------------------------------------------------------------------------


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def scorecard(request: HttpRequest) -> HttpResponse:
    """Townships ranked for a period (the county); a township officer sees their own row and rank."""
    selection = _select(request)
    context = _base_context(request, selection)
    snapshot = context["snapshot"]
    rows = list(assessment.visible_rows(request.user, snapshot, ScorecardLevel.TOWNSHIP))
    prefix = home_region(request.user) or ""
    own_village = None
    if len(prefix) > assessment.TOWNSHIP_LENGTH and snapshot is not None:
        own_village = assessment.visible_rows(request.user, snapshot, ScorecardLevel.VILLAGE).first()
    jobs = []
    if context["can_manage"]:
        jobs = list(Job.objects.filter(kind=JOB_KIND, params__county=selection.county).select_related("user")[:5])
    context |= {
        "table": _table(rows, context["specs"]), "own_village": own_village, "jobs": jobs,
        "sees_all": len(prefix) <= assessment.COUNTY_LENGTH,
        "own_township": prefix[:assessment.TOWNSHIP_LENGTH] if len(prefix) >= assessment.TOWNSHIP_LENGTH else "",
        "snapshots": ScorecardSnapshot.objects.filter(region_code=selection.county)[:12] if selection.county else [],
    }
    return render(request, "supervision/assessment_scorecard.html", context)


@login_required
@requires("supervision.view_scorecard")
@require_http_methods(["GET", "HEAD"])
def township(request: HttpRequest) -> HttpResponse:
    """One township's scorecard: its own score and rank, and its villages ranked."""
    code = request.GET.get("township", "")
    # A township inside the user's region, or the one a village cadre's village lies in.
    if len(code) != assessment.TOWNSHIP_LENGTH or not code.isdigit() or not can(
            request.user, "supervision.view_scorecard", code):
        raise Http404
    region = get_object_or_404(Region, code=code)
    selection = _select(request)
    if selection.county and not code.startswith(selection.county):
        raise Http404
    context = _base_context(request, selection)
    snapshot = context["snapshot"]
    own = assessment.visible_rows(request.user, snapshot, ScorecardLevel.TOWNSHIP).filter(region_code=code).first()
    villages = list(assessment.visible_rows(request.user, snapshot, ScorecardLevel.VILLAGE, parent=code))
    context |= {
        "township": region, "own": own, "own_cells": assessment.cells(own, context["specs"]) if own else [],
        "table": _table(villages, context["specs"]),
    }
    return render(request, "supervision/assessment_township.html", context)


@login_required
@requires("supervision.manage_assessment")
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    """Start computing the selected period's scorecard as a background job and watch it."""
    selection = _select(request, request.POST)
    require(request.user, "supervision.manage_assessment", selection.county or None)
    if not (selection.start and selection.end):
        messages.error(request, _("Choose a valid period first."))
        return redirect(reverse("supervision:assessment") + "?" + urlencode(request.POST.dict()))
    job = start_scorecard(request.user, selection.county, selection.start, selection.end)
    return redirect("supervision:assessment_job", job_id=job.pk)


@login_required
@requires("supervision.manage_assessment", answers_by_scope=True)  # a job of another county: 404
@require_http_methods(["GET", "HEAD"])
def job_status(request: HttpRequest, job_id) -> HttpResponse:
    """Progress while the job runs (the page refreshes itself), then a link to the scorecard."""
    job = get_object_or_404(Job, pk=job_id, kind=JOB_KIND)
    if not can(request.user, "supervision.manage_assessment", job.params.get("county") or None):
        raise Http404
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    query = urlencode({"start": job.params.get("start"), "end": job.params.get("end"),
                       "county": job.params.get("county")})
    response = render(request, "supervision/assessment_job.html", {
        "job": job, "finished": finished, "scorecard_url": reverse("supervision:assessment") + "?" + query,
        "refresh_url": request.get_full_path(),
    })
    if not finished:
        response["Refresh"] = "2"
    return response


# --- indicators and weights -------------------------------------------------------------------


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def indicators(request: HttpRequest) -> HttpResponse:
    """What each indicator measures, its formula, direction and unit, and the weights in force."""
    selection = _select(request)
    version, weights = assessment.current_weights(selection.county) if selection.county else (None, {})
    total = sum(weights.values()) or 1
    items = [
        {"spec": spec, "weight": weights.get(code, 0), "share": round(100 * weights.get(code, 0) / total, 1)}
        for code, spec in INDICATORS.items()
    ]
    return render(request, "supervision/assessment_indicators.html", {
        "items": items, "version": version, "selection": selection, "scales": Scale,
        "history": assessment.weights_history(selection.county)[:20] if selection.county else [],
        "can_manage": can(request.user, "supervision.manage_assessment", selection.county or None),
    })


@login_required
@requires("supervision.manage_assessment")
@require_http_methods(["GET", "HEAD", "POST"])
def weights(request: HttpRequest) -> HttpResponse:
    """The county sets how much each indicator counts; each save is a new version (history kept)."""
    selection = _select(request)
    require(request.user, "supervision.manage_assessment", selection.county or None)
    version, current = assessment.current_weights(selection.county)
    form = WeightsForm(request.POST or None, initial_weights=current)
    if request.method == "POST" and form.is_valid():
        try:
            saved = assessment.save_weights(request.user, selection.county, form.weights(), form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if version is not None and saved.pk == version.pk:
                messages.info(request, _("The weights did not change."))
            else:
                messages.success(request, _("The weights were saved as version %(n)d. Compute the scorecard again "
                                             "for them to apply.") % {"n": saved.version})
            return redirect(reverse("supervision:assessment_indicators") + (
                "?" + urlencode({"county": selection.county}) if len(selection.counties) > 1 else ""))
    return render(request, "supervision/assessment_weights.html", {
        "form": form, "version": version, "selection": selection,
        "history": assessment.weights_history(selection.county)[:20],
    })

