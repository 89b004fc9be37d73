"""The normalised mechanism's pages: a year's settings of the county (term, identification standard,
exit conditions) with the region's low-income layers and joint identifications; the ex-poor label's
exit candidates with their values and the county's decision; the decisions taken.

Thin views: every queryset starts from ``restrict``; services decide and write.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.cases.casefiles.models import Case
from shouwang.cases.procedure.deadlines import today_date
from shouwang.core.permissions import can, require, requires, restrict
from shouwang.monitoring.lines.terms import set_term, term_in_force
from shouwang.monitoring.models import IdentificationStandard
from shouwang.monitoring.rules.standards import set_standard
from shouwang.regions.models import Region
from shouwang.registry.households.layers import current_q
from shouwang.registry.models import Household, LayerKind, LowIncomeLayer

from . import services
from .forms import DecisionForm, ExitSettingsForm, StandardForm, TermForm
from .models import LabelExit
from .permissions import DECIDE_LABEL_EXIT, EDIT_MECHANISM, VIEW_MECHANISM

PAGE_SIZE = 50
COUNTY_LENGTH = 6


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else today_date().year


def _county(request: HttpRequest) -> str:
    return services.county_for(request.user, request.GET.get("county") or request.POST.get("county") or "")


@login_required
@requires(VIEW_MECHANISM.name)
@require_http_methods(["GET", "HEAD"])
def mechanism_index(request: HttpRequest) -> HttpResponse:
    year, county = _year(request), _county(request)
    today = today_date()
    term = term_in_force(year, county)
    standard = IdentificationStandard.objects.filter(region_code=county, year=year).prefetch_related("rules").first()
    conditions = services.exit_conditions(county, year)
    layers = restrict(request.user, LowIncomeLayer.objects.filter(current_q(today)), VIEW_MECHANISM.name)
    counts = dict(layers.values_list("layer").annotate(n=Count("household_id", distinct=True)).order_by())
    layer_rows = [(label, counts.get(value, 0)) for value, label in LayerKind.choices]
    joint = restrict(request.user, Case.objects.exclude(assistance_layer=""), VIEW_MECHANISM.name).count()
    editable = can(request.user, EDIT_MECHANISM.name, county)
    context = {
        "year": year, "county": county, "county_name": Region.objects.filter(code=county).values_list(
            "name", flat=True).first() or county,
        "term": term, "standard": standard, "conditions": conditions, "layer_rows": layer_rows,
        "joint_count": joint, "editable": editable, "years": range(today.year - 3, today.year + 2),
    }
    if editable:
        context["term_form"] = TermForm(initial={"term": term.term if term.source == "county" else ""})
        context["standard_form"] = StandardForm(initial={
            "rules": list(standard.rules.all()) if standard else [], "note": standard.note if standard else ""})
        context["exit_form"] = ExitSettingsForm(initial={
            "income_multiple": conditions.income_multiple, "consecutive_years": conditions.consecutive_years,
            "require_no_open_case": conditions.require_no_open_case,
            "require_no_open_warning": conditions.require_no_open_warning, "basis": conditions.basis})
    return render(request, "revitalization/mechanism/index.html", context)


@login_required
@requires(EDIT_MECHANISM.name)
@require_http_methods(["GET", "HEAD", "POST"])
def mechanism_settings(request: HttpRequest) -> HttpResponse:
    """Save one part of the county's settings of a year (``part``: term, standard or exit)."""
    year, county = _year(request), _county(request)
    back = f"{reverse('revitalization:mechanism')}?year={year}"
    if request.method != "POST":
        return redirect(back)
    require(request.user, EDIT_MECHANISM.name, county)
    part = request.POST.get("part")
    if part == "term":
        form = TermForm(request.POST)
        if form.is_valid():
            set_term(county, year, form.cleaned_data["term"], basis=form.cleaned_data["basis"], user=request.user)
            messages.success(request, _("The term of %(year)d was saved.") % {"year": year})
            return redirect(back)
    elif part == "standard":
        form = StandardForm(request.POST)
        if form.is_valid():
            set_standard(county, year, [r.pk for r in form.cleaned_data["rules"]], note=form.cleaned_data["note"],
                         user=request.user)
            messages.success(request, _("The identification standard of %(year)d was saved.") % {"year": year})
            return redirect(back)
    elif part == "exit":
        form = ExitSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.save_exit_settings(request.user, county, year, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(back)
            messages.success(request, _("The exit conditions of %(year)d were saved.") % {"year": year})
            return redirect(back)
    else:
        messages.error(request, _("Nothing to save."))
        return redirect(back)
    messages.error(request, _("The settings were not saved: check the values."))
    return redirect(back)


def _households(request: HttpRequest):
    return Household.objects.restrict(request.user, VIEW_MECHANISM.name)


@login_required
@requires(VIEW_MECHANISM.name)
@require_http_methods(["GET", "HEAD"])
def label_exit_candidates(request: HttpRequest) -> HttpResponse:
    year, county = _year(request), _county(request)
    conditions = services.exit_conditions(county, year)
    candidates = services.exit_candidates(_households(request), conditions).select_related("village")
    paginator = Paginator(candidates, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    values = services.candidate_values(rows, conditions)
    can_decide = can(request.user, DECIDE_LABEL_EXIT.name)
    return render(request, "revitalization/mechanism/candidates.html", {
        "year": year, "county": county, "conditions": conditions, "page": page, "paginator": paginator,
        "rows": [(h, values[h.pk]) for h in rows], "can_decide": can_decide,
        "decision_form": DecisionForm() if can_decide else None,
    })


@login_required
@requires(DECIDE_LABEL_EXIT.name)
@require_http_methods(["GET", "HEAD", "POST"])
def label_exit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(_households(request), pk=pk)
    year = _year(request)
    back = f"{reverse('revitalization:label_exit_candidates')}?year={year}"
    if request.method != "POST":
        return redirect(back)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the decision and its reason."))
        return redirect(back)
    try:
        services.decide(request.user, household, year, form.cleaned_data["decision"], form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("The decision on household %(number)s was recorded.") % {"number": household.number})
    return redirect(back)


@login_required
@requires(VIEW_MECHANISM.name)
@require_http_methods(["GET", "HEAD"])
def label_exit_history(request: HttpRequest) -> HttpResponse:
    decisions = (LabelExit.objects.restrict(request.user, VIEW_MECHANISM.name)
                 .select_related("household", "household__village", "decided_by").order_by("-created_at", "-id"))
    household = (request.GET.get("household") or "").strip()
    if household:
        decisions = decisions.filter(household__number=household)
    paginator = Paginator(decisions, PAGE_SIZE)
    return render(request, "revitalization/mechanism/history.html", {
        "page": paginator.get_page(request.GET.get("page")), "paginator": paginator, "household": household,
    })
