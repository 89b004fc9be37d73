"""The self-report queue for staff: the reports of their region, linking a lead or dismissing it.

Thin views over :mod:`.services`. Every report comes from a queryset that went through
``restrict``: a report outside the user's region is a 404. The public page is
:mod:`.public_views`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.core.audit import record_access
from shouwang.core.permissions import can, requires
from shouwang.registry.households.forms import UnmaskForm
from shouwang.registry.households.permissions import REVEAL_PHONE, UNMASK
from shouwang.registry.models import Household

from . import services
from .filters import SelfReportFilter
from .forms import DismissForm, LinkForm
from .models import SelfReport, SelfReportStatus
from .permissions import HANDLE_SELFREPORT

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- the self-report queue ------------------------------------------------------------------------


@login_required
@requires("view", answers_by_scope=True)
def selfreport_list(request: HttpRequest) -> HttpResponse:
    filterset = SelfReportFilter.for_page(request.GET, services.self_reports_for(request.user), request.user)
    context = {
        "page": _page(request, filterset.rows()), "status": filterset.listed_status,
        "statuses": SelfReportStatus.choices,
    }
    return render(request, "monitoring/selfreport_list.html", context)


def _report_context(request: HttpRequest, report: SelfReport, **extra: Any) -> dict[str, Any]:
    can_act = report.status == SelfReportStatus.NEW and can(request.user, HANDLE_SELFREPORT.name, report)
    context = {
        "report": report,
        "can_act": can_act,
        "clear": False,
        "link_form": LinkForm() if can_act else None,
        "dismiss_form": DismissForm() if can_act else None,
        "unmask_form": UnmaskForm() if can(request.user, UNMASK.name, report) else None,
        "can_reveal_phone": can(request.user, REVEAL_PHONE.name, report),
        "phones": None,
    }
    context.update(extra)
    return context


@login_required
@requires("view", answers_by_scope=True)
def selfreport_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(services.self_reports_for(request.user), pk=pk)
    return render(request, "monitoring/selfreport_detail.html", _report_context(request, report))


@login_required
@requires(HANDLE_SELFREPORT.name)
@require_POST
def selfreport_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a lead to a household (raising its warning) or dismiss it with a reason."""
    report = get_object_or_404(services.self_reports_for(request.user, HANDLE_SELFREPORT.name), pk=pk)
    action = request.POST.get("action")
    if action == "link":
        form = LinkForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["household"].strip()
            household = None
            if number:
                household = Household.objects.restrict(request.user, HANDLE_SELFREPORT.name).filter(
                    number=number).first()
                if household is None:
                    form.add_error("household", _("No household with this number in your region."))
            if not form.errors:
                try:
                    services.link_self_report(report, request.user, household)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request, _("The report was attached to the household and a warning raised.")
                    )
                    return redirect("monitoring:selfreport_detail", pk=report.pk)
        context = _report_context(request, report, link_form=form)
    elif action == "dismiss":
        form = DismissForm(request.POST)
        if form.is_valid():
            try:
                services.dismiss_self_report(report, request.user, form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The report was dismissed."))
                return redirect("monitoring:selfreport_detail", pk=report.pk)
        context = _report_context(request, report, dismiss_form=form)
    else:
        raise Http404
    return render(request, "monitoring/selfreport_detail.html", context, status=400)


@login_required
@requires(UNMASK.name)
@require_POST
def selfreport_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's clear numbers (to call them back), for a permitted user with a reason; logged."""
    report = get_object_or_404(services.self_reports_for(request.user), pk=pk)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        context = _report_context(request, report, unmask_form=form)
        return render(request, "monitoring/selfreport_detail.html", context, status=400)
    record_access(
        "unmask",
        object_type="monitoring.selfreport",
        object_id=report.pk,
        object_repr=str(report),
        region_code=report.region_code,
        fields="id_number,phone,guardian_id_number,guardian_phone",
        reason=form.cleaned_data["reason"],
    )
    context = _report_context(
        request, report, clear=True, unmask_form=None, unmask_reason=form.cleaned_data["reason"]
    )
    response = render(request, "monitoring/selfreport_detail.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@requires(REVEAL_PHONE.name)
@require_POST
def selfreport_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's full phone number to call them back (the public page promises a call); logged."""
    report = get_object_or_404(services.self_reports_for(request.user), pk=pk)
    context = _report_context(request, report, phones=services.reveal_phones(request.user, report))
    response = render(request, "monitoring/selfreport_detail.html", context)
    add_never_cache_headers(response)
    return response
