"""Spot-check pages: the list and the draw form (county), one draw's sample, recording a result."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core.permissions import can, require, requires

from . import services as service
from .filters import SampleFilter
from .forms import DrawForm
from .models import DISCREPANCY_FIELDS, HouseholdClass, SampleResult

PAGE_SIZE = 100


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD", "POST"])
def spotcheck_list(request: HttpRequest) -> HttpResponse:
    """The spot checks the user sees; for those who may draw, the draw form (POST draws)."""
    can_draw = can(request.user, "supervision.draw_spotcheck")
    form = DrawForm(request.POST or None) if can_draw else None
    if request.method == "POST":
        require(request.user, "supervision.draw_spotcheck")
        if form.is_valid():
            try:
                check = service.draw_spot_check(
                    request.user, name=form.cleaned_data["name"], rates=form.rates(), seed=form.cleaned_data["seed"],
                )
            except service.SpotCheckInvalid as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("%(n)d households drawn.") % {"n": check.sample_count})
                return redirect("supervision:spotcheck_detail", pk=check.pk)
    checks = service.spot_checks_for(request.user).select_related("created_by", "region")[:50]
    return render(request, "supervision/spotcheck_list.html", {"checks": checks, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@requires("supervision.view_spotchecks")
@require_http_methods(["GET", "HEAD"])
def spotcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(service.spot_checks_for(request.user).select_related("region", "created_by"), pk=pk)
    params = request.GET.copy()
    params["spot_check"] = str(check.pk)  # the address names the spot check, not the query string
    samples = SampleFilter.for_page(params, service.samples_for(request.user), request.user).rows()
    samples = samples.order_by("region_code", "household__number")
    result = request.GET.get("result", "")
    page = Paginator(samples, PAGE_SIZE).get_page(request.GET.get("page"))
    rates = [(label, Decimal(check.rates.get(cls, "0")) * 100) for cls, label in HouseholdClass.choices]
    return render(request, "supervision/spotcheck_detail.html", {
        "check": check, "page": page, "result": result, "results": SampleResult.choices, "rates": rates,
        "fields": DISCREPANCY_FIELDS, "can_draw": can(request.user, "supervision.draw_spotcheck"),
    })


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD", "POST"])
def spotcheck_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """One sampled household: its result form (for those who may record) and what was recorded."""
    sample = get_object_or_404(service.samples_for(request.user), pk=pk)
    can_record = can(request.user, "supervision.record_spotcheck", sample)
    error = ""
    status = 200
    if request.method == "POST":
        require(request.user, "supervision.record_spotcheck", sample)
        try:
            service.record_result(
                sample, request.user, result=request.POST.get("result", ""),
                fields=request.POST.getlist("fields"), note=request.POST.get("note", ""),
            )
        except service.SpotCheckInvalid as exc:
            error, status = str(exc), 400
        else:
            messages.success(request, _("Result recorded."))
            return redirect("supervision:spotcheck_detail", pk=sample.spot_check_id)
    return render(request, "supervision/spotcheck_sample.html", {
        "sample": sample, "can_record": can_record, "error": error,
        "fields": list(DISCREPANCY_FIELDS.items()),
        "results": [(SampleResult.AS_REGISTERED, SampleResult.AS_REGISTERED.label),
                    (SampleResult.DISCREPANCY, SampleResult.DISCREPANCY.label)],
    }, status=status)

