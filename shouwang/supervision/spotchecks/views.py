"""Spot-check pages: the list and the draw form (county), one draw's sample, recording a result."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services as service
from .forms import DrawForm
from .models import DISCREPANCY_FIELDS, HouseholdClass, SampleResult

PAGE_SIZE = 100


def _require_view(request: HttpRequest) -> None:
    if not request.user.can("view"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def spotcheck_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    may_draw = service.may_draw(request.user)
    form = DrawForm(request.POST or None) if may_draw else None
    if request.method == "POST":
        if not may_draw:
            raise PermissionDenied(_("Only county officers may draw a spot check."))
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
@require_http_methods(["GET", "HEAD"])
def spotcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    check = get_object_or_404(service.spot_checks_for(request.user).select_related("region", "created_by"), pk=pk)
    samples = service.samples_for(request.user).filter(spot_check=check).order_by("region_code", "household__number")
    result = request.GET.get("result", "")
    if result in SampleResult.values:
        samples = samples.filter(result=result)
    page = Paginator(samples, PAGE_SIZE).get_page(request.GET.get("page"))
    rates = [(label, Decimal(check.rates.get(cls, "0")) * 100) for cls, label in HouseholdClass.choices]
    return render(request, "supervision/spotcheck_detail.html", {
        "check": check, "page": page, "result": result, "results": SampleResult.choices, "rates": rates,
        "fields": DISCREPANCY_FIELDS, "may_draw": service.may_draw(request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def spotcheck_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """One sampled household: its result form (for those who may record) and what was recorded."""
    _require_view(request)
    sample = get_object_or_404(service.samples_for(request.user), pk=pk)
    may_record = service.may_record(request.user, sample)
    error = ""
    status = 200
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied(_("Only county officers and the household's township may record results."))
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
        "sample": sample, "may_record": may_record, "error": error, "fields": list(DISCREPANCY_FIELDS.items()),
        "results": [(SampleResult.AS_REGISTERED, SampleResult.AS_REGISTERED.label),
                    (SampleResult.DISCREPANCY, SampleResult.DISCREPANCY.label)],
    }, status=status)

