"""Field work pages for staff: visits, screening campaigns and their tasks.

Thin views over :mod:`.services`. Every object comes from a queryset that went through
``restrict``: a household, visit or task outside the user's region is a 404. Forms are laid out
for a village cadre's phone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.permissions import can, requires
from shouwang.registry.models import Household, Member, Relation

from . import services as fieldwork
from .filters import CampaignTaskFilter, VisitFilter
from .forms import EVENT_FIELDS, GUARANTEE_FIELDS, CampaignForm, VisitForm
from .models import Campaign, CampaignStatus, Visit
from .permissions import LAUNCH_CAMPAIGN, RECORD_VISIT, VIEW_CAMPAIGN

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _head_name(household: Household) -> str:
    head = Member.objects.filter(household=household, relation=Relation.HEAD).order_by("id").first()
    return head.name if head else ""


# --- visits ---------------------------------------------------------------------------------------


@login_required
@requires(RECORD_VISIT.name)
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.restrict(request.user, RECORD_VISIT.name).select_related("village"), pk=household_pk
    )
    visit = Visit(household=household, visited_on=timezone.localdate())
    form = VisitForm(request.POST or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        try:
            visit = fieldwork.record_visit(form.save(commit=False), request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if visit.warning_id:
                messages.warning(
                    request, _("Visit recorded. A warning was raised for the village to verify.")
                )
            else:
                messages.success(request, _("Visit recorded."))
            if visit.income_estimate is not None and visit.line_amount is None:
                messages.warning(request, _(
                    "The income estimate was not checked: no monitoring line is set for %(year)s. Ask the county "
                    "to set it or carry the previous year's line forward on the monitoring lines page."
                ) % {"year": visit.visited_on.year})
            return redirect("monitoring:visit_detail", pk=visit.pk)
    context = {
        "form": form,
        "household": household,
        "head_name": _head_name(household),
        "guarantees": [form[name] for name in GUARANTEE_FIELDS],
        "events": [form[name] for name in EVENT_FIELDS],
        "pending_tasks": fieldwork.pending_tasks_for(request.user).filter(household=household).count(),
    }
    return render(request, "monitoring/visit_form.html", context)


@login_required
@requires("view", answers_by_scope=True)
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(fieldwork.visits_for(request.user).select_related("warning"), pk=pk)
    findings = [fieldwork.FINDING_LABELS.get(code, code) for code in visit.findings]
    context = {"visit": visit, "findings": findings, "tasks": visit.tasks.select_related("campaign")}
    return render(request, "monitoring/visit_detail.html", context)


@login_required
@requires("view", answers_by_scope=True)
def visit_list(request: HttpRequest) -> HttpResponse:
    filterset = VisitFilter.for_page(request.GET, fieldwork.visits_for(request.user), request.user)
    household = request.GET.get("household", "").strip()
    context = {"page": _page(request, filterset.rows()), "household": household}
    return render(request, "monitoring/visit_list.html", context)


# --- campaigns ------------------------------------------------------------------------------------


@login_required
@requires(VIEW_CAMPAIGN.name, answers_by_scope=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = fieldwork.campaigns_for(request.user).select_related("region")
    context = {"page": _page(request, campaigns), "can_launch": can(request.user, LAUNCH_CAMPAIGN.name)}
    return render(request, "monitoring/campaign_list.html", context)


@login_required
@requires(LAUNCH_CAMPAIGN.name)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = fieldwork.launch_campaign(
                request.user,
                name=data["name"],
                basis=data["basis"],
                region=form.regions[data["region"]],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Campaign launched: %(n)d households to visit.") % {"n": campaign.task_count}
            )
            return redirect("monitoring:campaign_detail", pk=campaign.pk)
    return render(request, "monitoring/campaign_form.html", {"form": form})


@login_required
@requires(VIEW_CAMPAIGN.name, answers_by_scope=True)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.restrict(request.user).select_related("region", "created_by"), pk=pk
    )
    progress = fieldwork.campaign_progress(campaign, request.user)
    context = {
        "campaign": campaign,
        "progress": progress,
        "can_close": campaign.status == CampaignStatus.OPEN
        and can(request.user, LAUNCH_CAMPAIGN.name, campaign),
        "show_townships": len(progress.children) > 1,
    }
    return render(request, "monitoring/campaign_detail.html", context)


@login_required
@requires(LAUNCH_CAMPAIGN.name)
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.restrict(request.user), pk=pk)
    fieldwork.close_campaign(campaign, request.user)
    messages.success(request, _("Campaign closed."))
    return redirect("monitoring:campaign_detail", pk=campaign.pk)


@login_required
@requires(RECORD_VISIT.name, answers_by_scope=True)
def task_list(request: HttpRequest) -> HttpResponse:
    """The households the user still has to visit in open campaigns (a village cadre: their village)."""
    head = Member.objects.filter(household=OuterRef("household_id"), relation=Relation.HEAD).order_by("id")
    tasks = (
        fieldwork.pending_tasks_for(request.user)
        .annotate(head_name=Subquery(head.values("name")[:1]))
        .order_by("campaign__ends_on", "region_code", "household__number")
    )
    tasks = CampaignTaskFilter.for_page(request.GET, tasks, request.user).rows()
    return render(request, "monitoring/campaign_tasks.html", {"page": _page(request, tasks)})
