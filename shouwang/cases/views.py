"""Case pages: the list, a case's page with its actions, opening a case, measures and contacts.

Thin views: what may happen is decided by :mod:`.workflow` (``available_actions`` for the
buttons, ``perform`` for every change), the elimination criteria by :mod:`.criteria` and the
consistency rules by :mod:`.consistency`. Every case is found through
``Case.objects.restrict(user, "view")``, so one outside the user's region answers 404 and its
existence is not revealed. A refusal is shown on the case's page with its reason: 403 when it
is not the user's level or region, 409 when it is not allowed now, 400 when the request is
incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.audit import record_access
from shouwang.monitoring.models import SelfReport, Visit, Warning, WarningStatus
from shouwang.regions.models import Region
from shouwang.registry.models import Household, Member, Relation

from . import criteria, workflow
from .categories import suggest_category
from .consistency import problems_for
from .forms import (
    ActionForm, AttachmentForm, CaseFilterForm, ContactForm, HouseholdNumberForm, MeasureForm, OpenCaseForm,
    UnmaskForm, check_attachment,
)
from .models import (
    Attachment, AttachmentKind, Case, CaseSource, CaseStatus, Category, Level, Procedure,
    ProcedureSettings, ProcedureStatus, RiskType, Step, StepCode, StepStatus,
)

PAGE_SIZE = 50
STEP_ACTIONS = ("complete_step", "approve_township", "approve_county")
DECISION_ACTIONS = ("object", "reject", "withdraw")
CASE_ACTIONS = ("start_elimination", "rollback_elimination")
# Files a step's own form may carry: the signed authorisation with the home verification of an
# identification, the minutes with the appraisal.
STEP_FILES = {StepCode.VERIFY: AttachmentKind.AUTHORISATION, StepCode.APPRAISAL: AttachmentKind.MINUTES}


def require_view(request: HttpRequest) -> None:
    if not request.user.can("view"):
        raise PermissionDenied


def scope_villages(user) -> list[Region]:
    prefix = user.scope_prefix or ""
    if not prefix:
        return []
    return list(Region.objects.filter(code__startswith=prefix, level=Region.Level.VILLAGE).only("code", "name"))


def head_name_subquery(household_ref: str = "household_id") -> Subquery:
    heads = Member.objects.filter(household_id=OuterRef(household_ref), relation=Relation.HEAD).order_by("pk")
    return Subquery(heads.values("name")[:1])


def scoped_cases(user) -> QuerySet[Case]:
    return Case.objects.restrict(user, "view")


def with_list_columns(cases: QuerySet[Case], today: date) -> QuerySet[Case]:
    """Head's name, the next open step and its due date, overdue: subqueries, one query a page."""
    open_steps = Step.objects.filter(
        procedure__case=OuterRef("pk"), procedure__status=ProcedureStatus.OPEN, status=StepStatus.OPEN,
    ).order_by("due_date", "order")
    return (
        cases.with_overdue(today)
        .annotate(
            head_name=head_name_subquery(),
            next_step=Subquery(open_steps.values("code")[:1]),
            next_due=Subquery(open_steps.values("due_date")[:1]),
            step_late=Exists(open_steps.filter(due_date__lt=today)),
        )
        .select_related("household__village")
        .prefetch_related(Prefetch("risk_types", queryset=RiskType.objects.order_by("sort", "code")))
    )


def filter_cases(cases: QuerySet[Case], data: dict[str, Any]) -> QuerySet[Case]:
    status = data.get("status") or "open"
    if status == "open":
        cases = cases.filter(status__in=CaseStatus.open())
    elif status == "overdue":
        cases = cases.filter(Q(is_overdue=True) | Q(step_late=True))
    elif status in CaseStatus.values:
        cases = cases.filter(status=status)
    if data.get("category"):
        cases = cases.filter(category=data["category"])
    if data.get("village"):
        cases = cases.filter(region_code=data["village"])
    q = data.get("q")
    if q:
        heads = Member.objects.filter(household_id=OuterRef("household_id"), name__icontains=q)
        cases = cases.filter(Q(household__number__icontains=q) | Q(Exists(heads)))
    return cases


@login_required
@require_http_methods(["GET", "HEAD"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The user's cases, open ones by default, filtered by status, category and village."""
    require_view(request)
    today = workflow.today_date()
    villages = scope_villages(request.user)
    params = request.GET.copy()
    params.setdefault("status", "open")
    form = CaseFilterForm(params, villages=villages)
    listed = with_list_columns(scoped_cases(request.user), today)
    cases = filter_cases(listed, form.cleaned_data) if form.is_valid() else listed.none()
    paginator = Paginator(cases.order_by("next_due", "-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    overdue = listed.filter(status__in=CaseStatus.open()).filter(Q(is_overdue=True) | Q(step_late=True)).count()
    return render(request, "cases/case_list.html", {
        "filter_form": form, "page": page, "paginator": paginator, "today": today, "overdue_count": overdue,
        "can_open": workflow.user_level(request.user) in (Level.VILLAGE, Level.TOWNSHIP),
    })


# --- the case page --------------------------------------------------------------------------------


@dataclass
class StepRow:
    step: Step
    overdue: bool
    days_left: int | None


@dataclass
class ProcedureView:
    procedure: Procedure
    steps: list[StepRow]
    total_days: int
    days_left: int
    overdue: bool
    is_open: bool

    @property
    def days_late(self) -> int:
        return max(0, -self.days_left)


def procedure_view(procedure: Procedure, today: date, settings: ProcedureSettings) -> ProcedureView:
    rows = []
    for step in procedure.steps.all():
        late = step.status == StepStatus.OPEN and step.due_date is not None and step.due_date < today
        left = (step.due_date - today).days if step.status == StepStatus.OPEN and step.due_date else None
        rows.append(StepRow(step=step, overdue=late, days_left=left))
    is_open = procedure.status == ProcedureStatus.OPEN
    return ProcedureView(
        procedure=procedure, steps=rows, total_days=settings.total_days,
        days_left=(procedure.due_date - today).days, overdue=is_open and procedure.due_date < today, is_open=is_open,
    )


def get_case(request: HttpRequest, pk: int) -> Case:
    require_view(request)
    cases = workflow.cases_with_steps(scoped_cases(request.user)).select_related(
        "household__village", "warning", "self_report", "visit", "opened_by",
    )
    return get_object_or_404(cases, pk=pk)


def _contact_rows(case: Case, today: date, clear: bool) -> list[dict[str, Any]]:
    return [
        {"contact": c, "phone": (c.phone or "") if clear else c.phone_masked, "current": c.is_current(today)}
        for c in case.contacts.order_by("-starts_on", "-id")
    ]


def case_context(request: HttpRequest, case: Case, *, clear: bool = False, **extra: Any) -> dict[str, Any]:
    user, today = request.user, workflow.today_date()
    settings = ProcedureSettings.for_region(case.region_code)
    household = case.household
    head = Member.objects.restrict(user, "view").filter(household=household, relation=Relation.HEAD).first()
    procedures = sorted(case.procedures.all(), key=lambda p: p.pk, reverse=True)
    shown = workflow.open_procedure(case) or (procedures[0] if procedures else None)
    actions = workflow.available_actions(user, case, today, explain=True)
    names = {a.name for a in actions}
    show_criteria = case.status in (CaseStatus.MONITORED, CaseStatus.ELIMINATING)
    contacts = _contact_rows(case, today, clear)
    may_act = workflow.may_act(user, case)
    context = {
        "case": case, "household": household, "head": head,
        "township": Region.objects.filter(code=case.region_code[:9]).first(),
        "risk_types": list(case.risk_types.select_related("parent").order_by("sort", "code")),
        "procedure": procedure_view(shown, today, settings) if shown else None,
        "earlier_procedures": [p for p in procedures if p is not shown],
        "step_actions": [a for a in actions if a.name in STEP_ACTIONS],
        "decision_actions": [a for a in actions if a.name in DECISION_ACTIONS],
        "case_actions": [a for a in actions if a.name in CASE_ACTIONS],
        "step_files": {code: str(kind) for code, kind in STEP_FILES.items()},
        "can_reidentify": "reidentify" in names,
        "can_add_measure": "add_measure" in names,
        "can_add_contact": "add_contact" in names,
        "can_attach": "attach" in names,
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
        "timeline": workflow.timeline(case),
        "attachments": list(case.attachments.select_related("uploaded_by").order_by("at", "id")),
        "measures": list(case.measures.select_related("measure_type", "member").order_by("starts_on", "id")),
        "contacts": contacts,
        "has_current_contact": any(row["current"] for row in contacts),
        "criteria": criteria.evaluate(case, today) if show_criteria else [],
        "problems": problems_for(case, today),
        "notices": list(case.notices.order_by("-starts_on", "-id")),
        # Visit records (帮扶走访): the household's visits since the first clue, newest first.
        "visits": list(
            Visit.objects.restrict(user, "view").filter(household=household, visited_on__gte=case.first_clue_date)
            .select_related("visitor").order_by("-visited_on", "-id")[:20]
        ),
        "can_visit": user.can("change") and may_act,
        "clear": clear,
        "unmask_form": UnmaskForm() if user.can_unmask and not clear and contacts else None,
        "today": today,
        "settings": settings,
        "may_act": may_act,
    }
    context.update(extra)
    return context


def render_case(request: HttpRequest, case: Case, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "cases/case_detail.html", case_context(request, case, **extra), status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_case(request, get_case(request, pk))


def refused(request: HttpRequest, case: Case, exc: workflow.ActionRefused) -> HttpResponse:
    """Show the case again with the refusal as a message, and the status the refusal carries."""
    messages.error(request, exc.reason)
    case = get_case(request, case.pk)  # reload: nothing was changed, but show the state as it is now
    return render_case(request, case, status=exc.status_code)


def _step_files(request: HttpRequest, step: str) -> tuple[dict[str, Any] | None, str]:
    """The file sent with a step's own form, checked like any attachment; (files, error)."""
    uploaded = request.FILES.get("file")
    if uploaded is None or step not in STEP_FILES:
        return None, ""
    try:
        check_attachment(uploaded)
    except forms.ValidationError as exc:
        return None, " ".join(exc.messages)
    return {str(STEP_FILES[step]): uploaded}, ""


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int) -> HttpResponse:
    """One action from the case page's buttons, through ``workflow.perform``."""
    case = get_case(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return render_case(request, case, status=400)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    data: dict[str, Any] = {}
    if form.cleaned_data["step"]:
        data["step"] = form.cleaned_data["step"]
    if form.cleaned_data["mode"]:
        data["mode"] = form.cleaned_data["mode"]
    files, error = _step_files(request, data.get("step", ""))
    if error:
        messages.error(request, error)
        return render_case(request, case, status=400)
    try:
        case = workflow.perform(case, action, request.user, reason=reason, data=data, files=files)
    except workflow.ActionRefused as exc:
        return refused(request, case, exc)
    messages.success(request, _("Done. The case is now “%(status)s”.") % {"status": case.get_status_display()})
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The file was not attached."))
        return render_case(request, case, status=400, attachment_form=form)
    try:
        workflow.perform(case, "attach", request.user, reason=request.POST.get("reason", ""),
                         files={form.cleaned_data["kind"]: form.cleaned_data["file"]})
    except workflow.ActionRefused as exc:
        return refused(request, case, exc)
    messages.success(request, _("The file was attached."))
    return redirect(reverse("cases:case_detail", args=[case.pk]) + "#attachments")


@login_required
@require_http_methods(["GET", "HEAD"])
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """A case's file, for those who may see the case (files are never served from a public folder)."""
    case = get_case(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, case=case)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name or None)
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def contact_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The assistance contacts' full phone numbers, once, for a permitted user with a reason (logged)."""
    if not request.user.can_unmask:
        raise PermissionDenied(_("You may not view unmasked personal data."))
    case = get_case(request, pk)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, unmask_form=form)
    record_access(
        "unmask", object_type="cases.assistancecontact", object_id=case.pk, object_repr=case.household.number,
        region_code=case.region_code, fields="phone", reason=form.cleaned_data["reason"],
        detail={"contacts": case.contacts.count()},
    )
    response = render_case(request, case, clear=True, unmask_reason=form.cleaned_data["reason"])
    add_never_cache_headers(response)
    return response


# --- measures, contacts, re-identification -------------------------------------------------------


def _form_page(request: HttpRequest, case: Case, form, *, title: str, action_name: str, template: str,
               status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, template, {"case": case, "form": form, "title": title, "action_name": action_name,
                                      "today": workflow.today_date(), **extra}, status=status)


def _may(request: HttpRequest, case: Case, name: str) -> bool:
    return any(a.name == name for a in workflow.available_actions(request.user, case))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(request, pk)
    members = Member.objects.restrict(request.user, "view").filter(household=case.household).order_by("pk")
    form = MeasureForm(request.POST or None, members=members)
    title = _("Add an assistance measure")
    if request.method == "POST" and form.is_valid():
        try:
            workflow.perform(case, "add_measure", request.user, data=form.as_data(),
                             reason=form.cleaned_data.get("description", ""))
        except workflow.ActionRefused as exc:
            messages.error(request, exc.reason)
            return _form_page(request, case, form, title=title, action_name="add_measure",
                              template="cases/measure_form.html", status=exc.status_code)
        messages.success(request, _("The measure was recorded."))
        return redirect(reverse("cases:case_detail", args=[case.pk]) + "#measures")
    if request.method != "POST" and not _may(request, case, "add_measure"):
        messages.warning(request, _("Measures cannot be recorded on this case now."))
    return _form_page(request, case, form, title=title, action_name="add_measure", template="cases/measure_form.html",
                      status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(request, pk)
    form = ContactForm(request.POST or None, initial={"starts_on": workflow.today_date()})
    title = _("Add an assistance contact")
    if request.method == "POST" and form.is_valid():
        try:
            workflow.perform(case, "add_contact", request.user, data=form.as_data())
        except workflow.ActionRefused as exc:
            messages.error(request, exc.reason)
            return _form_page(request, case, form, title=title, action_name="add_contact",
                              template="cases/contact_form.html", status=exc.status_code)
        messages.success(request, _("The assistance contact was recorded."))
        return redirect(reverse("cases:case_detail", args=[case.pk]) + "#contacts")
    return _form_page(request, case, form, title=title, action_name="add_contact", template="cases/contact_form.html",
                      status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_reidentify(request: HttpRequest, pk: int) -> HttpResponse:
    """风险再标注: a new risk after elimination opens a new identification on the same case."""
    case = get_case(request, pk)
    initial = {"category": case.category, "first_clue_date": workflow.today_date()}
    form = OpenCaseForm(request.POST or None, initial=initial)
    title = _("Identify again for a new risk")
    if request.method == "POST" and form.is_valid():
        data = {
            "risk_types": [rt.code for rt in form.cleaned_data["risk_types"]],
            "category": form.cleaned_data["category"],
            "first_clue_date": form.cleaned_data["first_clue_date"].isoformat(),
        }
        try:
            workflow.perform(case, "reidentify", request.user, data=data, reason=request.POST.get("reason", ""))
        except workflow.ActionRefused as exc:
            messages.error(request, exc.reason)
            return _form_page(request, case, form, title=title, action_name="reidentify",
                              template="cases/reidentify_form.html", status=exc.status_code)
        messages.success(request, _("A new identification was started."))
        return redirect("cases:case_detail", pk=case.pk)
    return _form_page(request, case, form, title=title, action_name="reidentify",
                      template="cases/reidentify_form.html", status=400 if request.method == "POST" else 200)


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
        risk = getattr(warning.rule, "risk_type", "") if warning.rule_id else ""
        return Origin(household, CaseSource.WARNING, warning=warning, clue_date=warning.created_at.date(),
                      risk_codes=(risk,) if risk else ())
    if (pk := pk_of("self_report")) is not None:
        report = get_object_or_404(SelfReport.objects.restrict(user, "view"), pk=pk)
        if report.household_id is None:
            raise Http404
        household = get_object_or_404(households, pk=report.household_id)
        return Origin(household, CaseSource.SELF_REPORT, self_report=report, warning=_open_warning(report),
                      clue_date=report.created_at.date(), risk_codes=(report.risk_type,) if report.risk_type else ())
    if (pk := pk_of("visit")) is not None:
        visit = get_object_or_404(Visit.objects.restrict(user, "view"), pk=pk)
        household = get_object_or_404(households, pk=visit.household_id)
        return Origin(household, CaseSource.VISIT, visit=visit, warning=_open_warning(visit),
                      clue_date=visit.visited_on, risk_codes=_visit_risks(visit))
    if (pk := pk_of("household")) is not None:
        return Origin(get_object_or_404(households, pk=pk), CaseSource.DIRECT)
    return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a case: from a warning, a self-report or a visit (prefilled), or by household number."""
    require_view(request)
    if workflow.user_level(request.user) not in (Level.VILLAGE, Level.TOWNSHIP):
        raise PermissionDenied(_("Cases are opened by village cadres and township officers."))
    origin = find_origin(request)
    if origin is None:
        return _choose_household(request)
    household = origin.household
    existing = Case.objects.restrict(request.user, "view").filter(household=household,
                                                                 status__in=CaseStatus.open()).first()
    suggested = suggest_category(household, None)
    initial = {
        "category": suggested, "first_clue_date": origin.clue_date or workflow.today_date(),
        "risk_types": list(RiskType.objects.filter(code__in=origin.risk_codes, active=True)),
    }
    form = OpenCaseForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = workflow.open_case(
                    household, request.user, category=d["category"], risk_types=d["risk_types"],
                    source=origin.source, first_clue_date=d["first_clue_date"], warning=origin.warning,
                    self_report=origin.self_report, visit=origin.visit, disaster_note=d.get("disaster_note", ""),
                )
            except workflow.ActionRefused as exc:
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
