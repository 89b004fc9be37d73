"""Simulation pages: the scenarios, the draft form (with a preview before anything is saved), a scenario's
results (totals, by township and village, cost), the list of who enters or leaves, comparing two, and
adopting one (after a confirmation). Thin views: the counting is :mod:`.engine`'s, the rest
:mod:`.services`'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core.permissions import can, requires, restrict
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.monitoring.lines.services import latest_data_year
from shouwang.regions.models import region_names
from shouwang.registry.models import Household

from .engine import MONITORING, SIDES, Draft, SimulationError, changed_subjects, simulate
from .forms import CompareForm, DraftForm
from .models import Scenario
from .permissions import ADOPT_SCENARIO, SIMULATE
from .presentation import arrange
from .services import adopt, check_draft, compare, county_of, draft_of, run_scenario, save_scenario, scenarios_for

PAGE_SIZE = 50


def _scenario(request: HttpRequest, pk: int, action: str = SIMULATE.name) -> Scenario:
    return get_object_or_404(restrict(request.user, Scenario.objects.all(), action), pk=pk)


@login_required
@requires(SIMULATE.name)
@require_http_methods(["GET", "HEAD"])
def scenario_list(request: HttpRequest) -> HttpResponse:
    scenarios = list(scenarios_for(request.user)[:200])
    return render(request, "revitalization/simulation/scenario_list.html", {
        "scenarios": scenarios, "compare_form": CompareForm(), "can_adopt": can(request.user, ADOPT_SCENARIO.name),
    })


def _line_in_force(county: str, year: int | None) -> MonitoringLine | None:
    return MonitoringLine.objects.for_region(year, county) if year else None


@login_required
@requires(SIMULATE.name)
@require_http_methods(["GET", "HEAD", "POST"])
def scenario_new(request: HttpRequest) -> HttpResponse:
    """The draft: previewed (counted, nothing saved) or saved as a scenario and run."""
    county = county_of(request.user)
    year = latest_data_year(county)
    form = DraftForm(request.POST or None, county=county, initial={"year": year, "rule_active": True})
    sections = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("save"):
                scenario = save_scenario(request.user, name=data["name"], year=data["year"], changes=data["changes"],
                                         note=data["note"])
                run_scenario(scenario, request.user)
                messages.success(request, _("The scenario was saved. Nothing is changed until it is adopted."))
                return redirect("revitalization:simulation_detail", pk=scenario.pk)
            draft = Draft.from_changes(data["year"], county, data["changes"])
            check_draft(draft)
            sections = arrange(simulate(draft).as_dict())
        except (SimulationError, ValidationError) as exc:
            form.add_error(None, getattr(exc, "message", None) or "; ".join(exc.messages))
    chosen_year = form.data.get("year") if form.is_bound else year
    try:
        line = _line_in_force(county, int(chosen_year)) if chosen_year else None
    except (TypeError, ValueError):
        line = None
    return render(request, "revitalization/simulation/scenario_form.html", {
        "form": form, "sections": sections, "line": line, "county": county,
    })


@login_required
@requires(SIMULATE.name)
@require_http_methods(["GET", "HEAD"])
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    return render(request, "revitalization/simulation/scenario_detail.html", {
        "scenario": scenario, "sections": arrange(scenario.result) if scenario.result else None,
        "can_adopt": can(request.user, ADOPT_SCENARIO.name, scenario) and not scenario.adopted,
        "others": scenarios_for(request.user).exclude(pk=scenario.pk)[:50],
    })


@login_required
@requires(SIMULATE.name)
@require_http_methods(["POST"])
def scenario_run(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = _scenario(request, pk)
    try:
        run_scenario(scenario, request.user)
    except SimulationError as exc:
        messages.error(request, exc.message)
    return redirect("revitalization:simulation_detail", pk=scenario.pk)


@login_required
@requires(SIMULATE.name)
@require_http_methods(["GET", "HEAD"])
def scenario_subjects(request: HttpRequest, pk: int) -> HttpResponse:
    """Who enters or leaves monitoring or a policy under the scenario, by household, a page at a time."""
    scenario = _scenario(request, pk)
    section = request.GET.get("section") or MONITORING
    side = request.GET.get("side") if request.GET.get("side") in SIDES else "enter"
    region = request.GET.get("region") or ""
    if not region.startswith(scenario.region_code) or not region.isdigit():
        region = scenario.region_code
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    try:
        rows, total = changed_subjects(draft_of(scenario), section, side, region, offset=(number - 1) * PAGE_SIZE,
                                       limit=PAGE_SIZE)
    except SimulationError as exc:
        messages.error(request, exc.message)
        rows, total = [], 0
    households = dict(Household.objects.filter(pk__in=[row.household_id for row in rows])
                      .values_list("pk", "number"))
    names = region_names({row.region_code for row in rows} | {region})
    page = Paginator(range(total), PAGE_SIZE).get_page(number)
    items = [{"row": row, "number": households.get(row.household_id, ""), "village": names.get(row.region_code, "")}
             for row in rows]
    section_label = next((s["label"] for s in scenario.result.get("sections", []) if s["key"] == section), section)
    return render(request, "revitalization/simulation/scenario_subjects.html", {
        "scenario": scenario, "items": items, "total": total, "page": page, "section": section,
        "section_label": section_label, "side": side, "region": region, "region_name": names.get(region, region),
    })


@login_required
@requires(SIMULATE.name)
@require_http_methods(["GET", "HEAD"])
def scenario_compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.GET or None)
    rows, first, second = None, None, None
    if form.is_valid():
        first = get_object_or_404(scenarios_for(request.user), pk=form.cleaned_data["a"])
        second = get_object_or_404(scenarios_for(request.user), pk=form.cleaned_data["b"])
        if not (first.result and second.result):
            messages.info(request, _("Run both scenarios first: the comparison reads their last results."))
        else:
            rows = compare(first, second, request.user)
    return render(request, "revitalization/simulation/scenario_compare.html", {
        "form": form, "rows": rows, "first": first, "second": second,
        "scenarios": scenarios_for(request.user)[:200],
    })


@login_required
@requires(ADOPT_SCENARIO.name)
@require_http_methods(["GET", "HEAD", "POST"])
def scenario_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page; on POST with ``confirm`` each change is saved through its own service."""
    scenario = _scenario(request, pk, ADOPT_SCENARIO.name)
    if request.method == "POST":
        if not request.POST.get("confirm"):
            messages.error(request, _("Tick the confirmation to adopt the scenario."))
        else:
            try:
                adopt(scenario, request.user)
            except (ValidationError, SimulationError) as exc:
                messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
            except PermissionDenied as exc:
                messages.error(request, str(exc) or _("You may not adopt this scenario."))
            else:
                messages.success(request, _("The scenario was adopted: the line, rules and policies it changes "
                                            "have new versions."))
                return redirect("revitalization:simulation_detail", pk=scenario.pk)
    return render(request, "revitalization/simulation/scenario_adopt.html", {
        "scenario": scenario, "draft": draft_of(scenario),
        "sections": arrange(scenario.result) if scenario.result else None,
    })
