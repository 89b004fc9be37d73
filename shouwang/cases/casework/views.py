"""Case pages: the list, a case's page, and opening a case (from a warning, self-report, visit or number).

Thin views: opening is decided by ``procedure.opening.open_case``; the case's page is built by
``procedure.casepage``, and the actions on it are other features' views (the procedure's, the
assistance's, the elimination's). Every case is found through ``Case.objects.restrict(user, "view")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.cases.casefiles.forms import HouseholdNumberForm, OpenCaseForm
from shouwang.cases.casefiles.joint import JointIdentificationForm, record_joint_identification
from shouwang.cases.casefiles.models import Case, CaseSource, CaseStatus, Category
from shouwang.cases.casefiles.permissions import RECORD_JOINT_IDENTIFICATION
from shouwang.cases.catalogue.models import RiskType
from shouwang.cases.pages import PAGE_SIZE
from shouwang.cases.procedure.casepage import get_case, render_case
from shouwang.cases.procedure.categories import suggest_category
from shouwang.cases.procedure.deadlines import today_date
from shouwang.cases.procedure.opening import open_case, signal_risk_codes
from shouwang.cases.procedure.refusals import ActionRefused
from shouwang.core.permissions import can, home_region, requires
from shouwang.monitoring.lines.terms import term_in_force
from shouwang.monitoring.models import SelfReport, Visit, Warning, WarningStatus
from shouwang.registry.households.forms import without_full_id
from shouwang.registry.models import Household, Member, Relation

from .filters import CaseFilter, CaseSearchForm
from .queries import scoped_cases, with_list_columns


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The user's cases, open ones by default, filtered by status, category and village."""
    # A whole ID number is dropped from the address at once (it is not searched here).
    if (dropped := without_full_id(request, str(CaseSearchForm.full_id_refusal))) is not None:
        return dropped
    today = today_date()
    listed = with_list_columns(scoped_cases(request.user), today)
    filterset = CaseFilter.for_page(request.GET, listed, request.user)
    paginator = Paginator(filterset.rows().order_by("next_due", "-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    overdue = listed.filter(status__in=CaseStatus.open()).filter(Q(is_overdue=True) | Q(step_late=True)).count()
    return render(request, "cases/case_list.html", {
        "filter_form": filterset.form, "page": page, "paginator": paginator, "today": today,
        "overdue_count": overdue,
        "can_open": can(request.user, "cases.open_case"),
        "population_term": term_in_force(today.year, home_region(request.user) or ""),
    })


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_case(request, get_case(request, pk))


# --- opening a case -------------------------------------------------------------------------------


@dataclass
class Origin:
    """Where a case comes from: the household, the source and what to prefill."""

    household: Household
    source: str
    warning: Warning | None = None
    self_report: SelfReport | None = None
    visit: Visit | None = None
    clue_date: date | None = None
    risk_codes: tuple[str, ...] = ()


def _visit_risks(visit: Visit) -> tuple[str, ...]:
    flags = (("illness", "YB"), ("accident", "YYWSG"), ("job_loss", "YWGJYBW"), ("disaster", "YZRZH"))
    return tuple(code for name, code in flags if getattr(visit, name, False))


def _open_warning(obj: SelfReport | Visit) -> Warning | None:
    """The warning a report or visit raised, while still open: opening the case escalates it too."""
    warning = obj.warning if obj.warning_id else None
    return warning if warning is not None and warning.status in WarningStatus.open() else None


def find_origin(request: HttpRequest) -> Origin | None:
    """The household and source the request names (warning, self-report, visit or household), scoped."""
    user, params = request.user, request.GET if request.method != "POST" else request.POST
    households = Household.objects.restrict(user, "change").select_related("village")

    def pk_of(name: str) -> int | None:
        value = params.get(name) or request.GET.get(name) or ""
        return int(value) if value.isdigit() else None

    if (pk := pk_of("warning")) is not None:
        warning = get_object_or_404(Warning.objects.restrict(user, "view").select_related("rule"), pk=pk)
        household = get_object_or_404(households, pk=warning.household_id)
        # Every rule and source gathered on the warning suggests its risk types; the first, the clue's date.
        signals = list(warning.signals.select_related("rule").order_by("raised_on", "id"))
        risk = getattr(warning.rule, "risk_type", "") if warning.rule_id else ""
        codes = signal_risk_codes(signals) or ([risk] if risk else [])
        clue = signals[0].raised_on if signals else timezone.localdate(warning.created_at)
        return Origin(household, CaseSource.WARNING, warning=warning, clue_date=clue, risk_codes=tuple(codes))
    if (pk := pk_of("self_report")) is not None:
        report = get_object_or_404(SelfReport.objects.restrict(user, "view"), pk=pk)
        if report.household_id is None:
            raise Http404
        household = get_object_or_404(households, pk=report.household_id)
        return Origin(household, CaseSource.SELF_REPORT, self_report=report, warning=_open_warning(report),
                      clue_date=timezone.localdate(report.created_at),
                      risk_codes=(report.risk_type,) if report.risk_type else ())
    if (pk := pk_of("visit")) is not None:
        visit = get_object_or_404(Visit.objects.restrict(user, "view"), pk=pk)
        household = get_object_or_404(households, pk=visit.household_id)
        return Origin(household, CaseSource.VISIT, visit=visit, warning=_open_warning(visit),
                      clue_date=visit.visited_on, risk_codes=_visit_risks(visit))
    if (pk := pk_of("household")) is not None:
        return Origin(get_object_or_404(households, pk=pk), CaseSource.DIRECT)
    return None


@login_required
@requires("cases.open_case")
@require_http_methods(["GET", "HEAD", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a case: from a warning, a self-report or a visit (prefilled), or by household number."""
    origin = find_origin(request)
    if origin is None:
        return _choose_household(request)
    household = origin.household
    existing = Case.objects.restrict(request.user, "view").filter(household=household,
                                                                 status__in=CaseStatus.open()).first()
    suggested = suggest_category(household, None)
    initial = {
        "category": suggested, "first_clue_date": origin.clue_date or today_date(),
        "risk_types": list(RiskType.objects.filter(code__in=origin.risk_codes, active=True)),
    }
    form = OpenCaseForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = open_case(
                    household, request.user, category=d["category"], risk_types=d["risk_types"],
                    source=origin.source, first_clue_date=d["first_clue_date"], warning=origin.warning,
                    self_report=origin.self_report, visit=origin.visit, disaster_note=d.get("disaster_note", ""),
                )
            except ActionRefused as exc:
                form.add_error(None, exc.reason)
                status = exc.status_code
            else:
                messages.success(request, _("The case was opened; home verification comes first."))
                return redirect("cases:case_detail", pk=case.pk)
    head = Member.objects.restrict(request.user, "view").filter(household=household, relation=Relation.HEAD).first()
    return render(request, "cases/case_open.html", {
        "form": form, "origin": origin, "household": household, "head": head, "existing": existing,
        "suggested": suggested, "suggested_label": _category_label(suggested),
        "origin_query": _origin_query(origin),
    }, status=status)


def _category_label(value: str | None) -> str:
    return str(Category(value).label) if value in Category.values else ""


def _origin_query(origin: Origin) -> str:
    for name in ("warning", "self_report", "visit"):
        obj = getattr(origin, name)
        if obj is not None:
            return f"{name}={obj.pk}"
    return f"household={origin.household.pk}"


def _choose_household(request: HttpRequest) -> HttpResponse:
    """Direct entry: the cadre types the household number; only households in their region match."""
    form = HouseholdNumberForm(request.GET if "number" in request.GET else None)
    if form.is_bound and form.is_valid():
        household = Household.objects.restrict(request.user, "change").filter(
            number=form.cleaned_data["number"]).first()
        if household is not None:
            return redirect(f"{reverse('cases:case_open')}?household={household.pk}")
        form.add_error("number", _("No household with this number in your region."))
    return render(request, "cases/case_open_choose.html", {"form": form}, status=200 if not form.errors else 404)


# --- joint identification as a social-assistance object -----------------------------------------


@login_required
@requires(RECORD_JOINT_IDENTIFICATION.name)
@require_http_methods(["GET", "HEAD", "POST"])
def case_joint(request: HttpRequest, pk: int) -> HttpResponse:
    """Record (or withdraw) the case's joint identification; a GET goes back to the case's page."""
    case = get_case(request, pk)
    if request.method != "POST":
        return redirect("cases:case_detail", pk=case.pk)
    form = JointIdentificationForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, joint_form=form)
    record_joint_identification(request.user, case, form.cleaned_data["layer"], form.cleaned_data["identified_on"])
    messages.success(request, _("The joint identification was recorded."))
    return redirect("cases:case_detail", pk=case.pk)
