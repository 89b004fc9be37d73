"""Enrolment pages: the list (with the feed rows naming an unknown policy), add and correct by hand,
derive again from feeds and measures. Thin views over :mod:`.services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.permissions import can, home_region, requires, restrict
from shouwang.registry.models import Household

from . import services as service
from .filters import EnrolmentFilter
from .forms import EnrolmentForm, FindHouseholdForm
from .permissions import RECORD_ENROLMENT, SYNC_ENROLMENTS

PAGE_SIZE = 50


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def enrolment_list(request: HttpRequest) -> HttpResponse:
    listed = EnrolmentFilter.for_page(request.GET, service.enrolments_for(request.user), request.user)
    page = Paginator(listed.rows().order_by("-year", "region_code", "household_id", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    unknown = service.unknown_feed_rows(request.user)
    return render(request, "revitalization/enrolment/list.html", {
        "filter": listed, "page": page, "unknown_count": unknown.count(), "unknown": list(unknown[:20]),
        "can_record": can(request.user, RECORD_ENROLMENT.name),
        "can_sync": can(request.user, SYNC_ENROLMENTS.name), "year": timezone.localdate().year,
        "query": request.GET.urlencode(),
    })


def _household(request: HttpRequest, number: str) -> Household | None:
    return restrict(request.user, Household.objects.all(), RECORD_ENROLMENT.name).filter(
        number=number.strip()).first()


@login_required
@requires(RECORD_ENROLMENT.name)
@require_http_methods(["GET", "HEAD", "POST"])
def enrolment_new(request: HttpRequest) -> HttpResponse:
    number = (request.GET.get("household") or request.POST.get("household") or "").strip()
    household = _household(request, number) if number else None
    if household is None:
        find = FindHouseholdForm(request.GET or None)
        if number:
            find.add_error("household", _("No household with this number in your region."))
        return render(request, "revitalization/enrolment/find.html", {"form": find},
                      status=404 if number else 200)
    form = EnrolmentForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = service.record(
                request.user, policy=data["policy"], year=data["year"], household=household,
                member=form.member_object(), starts_on=data["starts_on"], ends_on=data["ends_on"],
                amount=data["amount"], note=data["note"])
        except service.EnrolmentInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The enrolment is recorded."))
            return redirect(f"{_list_url()}?household={enrolment.household.number}")
    status = 400 if request.method == "POST" else 200
    return render(request, "revitalization/enrolment/form.html", {"form": form, "household": household},
                  status=status)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("revitalization:enrolment_list")


@login_required
@requires(RECORD_ENROLMENT.name)
@require_http_methods(["GET", "HEAD", "POST"])
def enrolment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(service.enrolments_for(request.user), pk=pk)
    household = enrolment.household
    if not service.may_edit(request.user, enrolment):
        return render(request, "revitalization/enrolment/form.html", {
            "enrolment": enrolment, "household": household, "read_only": True}, status=403 if request.method ==
            "POST" else 200)
    initial = {"policy": enrolment.policy_id, "year": enrolment.year, "member": enrolment.member_id or "",
               "starts_on": enrolment.starts_on, "ends_on": enrolment.ends_on, "amount": enrolment.amount,
               "note": enrolment.note}
    form = EnrolmentForm(request.POST or None, household=household, initial=initial)
    if request.method == "POST" and request.POST.get("remove"):
        try:
            service.remove(enrolment, request.user)
        except (service.EnrolmentInvalid, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The enrolment is removed."))
            return redirect(_list_url())
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service.change(enrolment, request.user, policy=data["policy"], year=data["year"],
                           member=form.member_object(), starts_on=data["starts_on"], ends_on=data["ends_on"],
                           amount=data["amount"], note=data["note"])
        except service.EnrolmentInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The enrolment is corrected."))
            return redirect(f"{_list_url()}?household={household.number}")
    status = 400 if request.method == "POST" else 200
    return render(request, "revitalization/enrolment/form.html",
                  {"form": form, "household": household, "enrolment": enrolment}, status=status)


@login_required
@requires(SYNC_ENROLMENTS.name)
@require_POST
def enrolment_sync(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    counts = service.sync_all(request.user, year, home_region(request.user) or "")
    messages.success(request, _(
        "Feeds: %(fc)d added, %(fu)d updated, %(fr)d removed, %(fk)d rows name an unknown policy. "
        "Measures of %(year)d: %(mc)d added, %(mu)d updated, %(mr)d removed.") % {
        "fc": counts["feeds"]["created"], "fu": counts["feeds"]["updated"], "fr": counts["feeds"]["removed"],
        "fk": counts["feeds"]["unknown"], "year": year, "mc": counts["measures"]["created"],
        "mu": counts["measures"]["updated"], "mr": counts["measures"]["removed"]})
    return redirect(_list_url())
