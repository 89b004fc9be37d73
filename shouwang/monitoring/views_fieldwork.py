"""Field work pages for staff: visits, screening campaigns and their tasks, the self-report queue.

Thin views over :mod:`shouwang.monitoring.fieldwork`. Every object comes from a queryset that
went through ``restrict``: a household, visit, task or report outside the user's region is a
404. Forms are laid out for a village cadre's phone.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.audit import record_access
from shouwang.registry.models import Household, Member, Relation
from shouwang.registry.views import UnmaskForm

from . import fieldwork
from .models import Campaign, CampaignStatus, SelfReport, SelfReportStatus, Visit

PAGE_SIZE = 50
GUARANTEE_FIELDS = (
    "food_secured",
    "clothing_secured",
    "education_secured",
    "medical_secured",
    "housing_secured",
    "water_secured",
)
EVENT_FIELDS = ("illness", "accident", "job_loss", "disaster")


def _require(request: HttpRequest, action: str) -> None:
    if not request.user.can(action):
        raise PermissionDenied


def _page(request: HttpRequest, queryset) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _head_name(household: Household) -> str:
    head = Member.objects.filter(household=household, relation=Relation.HEAD).order_by("id").first()
    return head.name if head else ""


# --- visits ---------------------------------------------------------------------------------------


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visited_on", *GUARANTEE_FIELDS, "income_estimate", *EVENT_FIELDS, "at_risk", "note"]
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "income_estimate": forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "decimal"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "income_estimate": gettext_lazy("Leave empty if you could not estimate it."),
            "note": gettext_lazy("Stored encrypted. Write what the verifier needs to know."),
        }

    def clean_income_estimate(self):
        value = self.cleaned_data.get("income_estimate")
        if value is not None and value < 0:
            raise forms.ValidationError(_("The income cannot be negative."))
        return value


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, household_pk: int) -> HttpResponse:
    _require(request, "change")
    household = get_object_or_404(
        Household.objects.restrict(request.user, "change").select_related("village"), pk=household_pk
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
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(fieldwork.visits_for(request.user).select_related("warning"), pk=pk)
    findings = [fieldwork.FINDING_LABELS.get(code, code) for code in visit.findings]
    context = {"visit": visit, "findings": findings, "tasks": visit.tasks.select_related("campaign")}
    return render(request, "monitoring/visit_detail.html", context)


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    visits = fieldwork.visits_for(request.user)
    household = request.GET.get("household", "").strip()
    if household:
        visits = visits.filter(household__number=household)
    return render(
        request, "monitoring/visit_list.html", {"page": _page(request, visits), "household": household}
    )


# --- campaigns ------------------------------------------------------------------------------------


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("thing", "Name"), max_length=200, initial=gettext_lazy("Concentrated screening")
    )
    basis = forms.CharField(label=gettext_lazy("Basis (document number)"), max_length=200, required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"))
    starts_on = forms.DateField(
        label=gettext_lazy("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.regions = {r.code: r for r in fieldwork.campaign_regions(user)}
        self.fields["region"].choices = [
            (code, ("— " * max(0, len(code) // 3 - 2)) + region.name) for code, region in self.regions.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.restrict(request.user).select_related("region")
    context = {"page": _page(request, campaigns), "may_launch": fieldwork.may_launch(request.user)}
    return render(request, "monitoring/campaign_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    if not fieldwork.may_launch(request.user):
        raise PermissionDenied
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
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.restrict(request.user).select_related("region", "created_by"), pk=pk
    )
    progress = fieldwork.campaign_progress(campaign, request.user)
    context = {
        "campaign": campaign,
        "progress": progress,
        "may_close": campaign.status == CampaignStatus.OPEN
        and fieldwork.may_launch(request.user, campaign.region_code),
        "show_townships": len(progress.children) > 1,
    }
    return render(request, "monitoring/campaign_detail.html", context)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.restrict(request.user), pk=pk)
    fieldwork.close_campaign(campaign, request.user)
    messages.success(request, _("Campaign closed."))
    return redirect("monitoring:campaign_detail", pk=campaign.pk)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The households the user still has to visit in open campaigns (a village cadre: their village)."""
    head = Member.objects.filter(household=OuterRef("household_id"), relation=Relation.HEAD).order_by("id")
    tasks = (
        fieldwork.pending_tasks_for(request.user)
        .annotate(head_name=Subquery(head.values("name")[:1]))
        .order_by("campaign__ends_on", "region_code", "household__number")
    )
    campaign = request.GET.get("campaign", "")
    if campaign.isdigit():
        tasks = tasks.filter(campaign_id=int(campaign))
    return render(request, "monitoring/campaign_tasks.html", {"page": _page(request, tasks)})


# --- the self-report queue ------------------------------------------------------------------------


class LinkForm(forms.Form):
    household = forms.CharField(
        label=gettext_lazy("Household number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Leave empty to look the ID number up in the registry again."),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def selfreport_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", SelfReportStatus.NEW)
    reports = fieldwork.self_reports_for(request.user)
    if status in SelfReportStatus.values:
        reports = reports.filter(status=status)
    else:
        status = ""
    context = {"page": _page(request, reports), "status": status, "statuses": SelfReportStatus.choices}
    return render(request, "monitoring/selfreport_list.html", context)


def _report_context(request: HttpRequest, report: SelfReport, **extra: Any) -> dict[str, Any]:
    may_act = (
        report.status == SelfReportStatus.NEW
        and fieldwork.self_reports_for(request.user, "change").filter(pk=report.pk).exists()
    )
    context = {
        "report": report,
        "may_act": may_act,
        "clear": False,
        "link_form": LinkForm() if may_act else None,
        "dismiss_form": DismissForm() if may_act else None,
        "unmask_form": UnmaskForm() if request.user.can_unmask else None,
    }
    context.update(extra)
    return context


@login_required
def selfreport_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(fieldwork.self_reports_for(request.user), pk=pk)
    return render(request, "monitoring/selfreport_detail.html", _report_context(request, report))


@login_required
@require_POST
def selfreport_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a lead to a household (raising its warning) or dismiss it with a reason."""
    _require(request, "change")
    report = get_object_or_404(fieldwork.self_reports_for(request.user, "change"), pk=pk)
    action = request.POST.get("action")
    if action == "link":
        form = LinkForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["household"].strip()
            household = None
            if number:
                household = Household.objects.restrict(request.user, "change").filter(number=number).first()
                if household is None:
                    form.add_error("household", _("No household with this number in your region."))
            if not form.errors:
                try:
                    fieldwork.link_self_report(report, request.user, household)
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
                fieldwork.dismiss_self_report(report, request.user, form.cleaned_data["reason"])
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
@require_POST
def selfreport_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's clear numbers (to call them back), for a permitted user with a reason; logged."""
    if not request.user.can_unmask:
        raise PermissionDenied(_("You may not view unmasked personal data."))
    report = get_object_or_404(fieldwork.self_reports_for(request.user), pk=pk)
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
