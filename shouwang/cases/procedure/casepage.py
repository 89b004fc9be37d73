"""The case's page, which every feature's actions show again: its context, rendering and refusals.

What may happen is decided by the procedure engine (``available_actions`` for the buttons,
``perform`` for every change). The features above the procedure add their sections to the page
with ``register_section`` from ``CasesConfig.ready`` (``shouwang.cases.casework.wiring``): the
elimination criteria (``shouwang.cases.elimination.criteria``), the consistency problems
(``shouwang.cases.consistency.rules``) and the form that shows a contact's full numbers
(``shouwang.cases.assistance``), so this page imports none of them. Every case is found through
``Case.objects.restrict(user, "view")``, so one outside the user's region answers 404 and its
existence is not revealed. A refusal is shown on the case's page with its reason: 403 when it is
not the user's level or region, 409 when it is not allowed now, 400 when the request is incomplete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from shouwang.cases.casefiles.models import Case
from shouwang.core.permissions import can
from shouwang.monitoring.models import Visit
from shouwang.regions.models import Region
from shouwang.registry.models import Member, Relation

from .audit import timeline
from .context import open_procedure
from .deadlines import today_date
from .engine import available_actions, cases_with_steps
from .forms import AttachmentForm
from .models import (
    AttachmentKind,
    Procedure,
    ProcedureSettings,
    ProcedureStatus,
    Step,
    StepCode,
    StepStatus,
)
from .refusals import ActionRefused

STEP_ACTIONS = ("complete_step", "approve_township", "approve_county")
DECISION_ACTIONS = ("object", "reject", "withdraw")
CASE_ACTIONS = ("start_elimination", "rollback_elimination")
# Files a step's own form may carry: the signed authorisation with the home verification of an
# identification, the minutes with the appraisal.
STEP_FILES = {StepCode.VERIFY: AttachmentKind.AUTHORISATION, StepCode.APPRAISAL: AttachmentKind.MINUTES}

# A section another feature adds to the page: given the request, the case and the page's context so
# far (``today``, ``contacts``, ``clear`` …), the entries it adds (``criteria``, ``problems``,
# ``unmask_form``). Keyword arguments of ``render_case`` still override them.
Section = Callable[[HttpRequest, Case, dict[str, Any]], dict[str, Any]]
SECTIONS: dict[str, Section] = {}


def register_section(name: str, section: Section) -> None:
    """Add ``section`` to every case page (``CasesConfig.ready``); registering a name again replaces it."""
    SECTIONS[name] = section


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
    """The case, if the user may see it (the page's ``@requires`` has refused those who may see none)."""
    cases = cases_with_steps(Case.objects.restrict(request.user, "view")).select_related(
        "household__village", "warning", "self_report", "visit", "opened_by",
    )
    return get_object_or_404(cases, pk=pk)


def _contact_rows(case: Case, today: date, clear: bool) -> list[dict[str, Any]]:
    return [
        {"contact": c, "phone": (c.phone or "") if clear else c.phone_masked, "current": c.is_current(today)}
        for c in case.contacts.order_by("-starts_on", "-id")
    ]


def case_context(request: HttpRequest, case: Case, *, clear: bool = False, **extra: Any) -> dict[str, Any]:
    user, today = request.user, today_date()
    settings = ProcedureSettings.for_region(case.region_code)
    household = case.household
    head = Member.objects.restrict(user, "view").filter(household=household, relation=Relation.HEAD).first()
    procedures = sorted(case.procedures.all(), key=lambda p: p.pk, reverse=True)
    shown = open_procedure(case) or (procedures[0] if procedures else None)
    actions = available_actions(user, case, today, explain=True)
    names = {a.name for a in actions}
    contacts = _contact_rows(case, today, clear)
    acting = can(user, "cases.complete_step", case)
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
        "timeline": timeline(case),
        "attachments": list(case.attachments.select_related("uploaded_by").order_by("at", "id")),
        "measures": list(case.measures.select_related("measure_type", "member").order_by("starts_on", "id")),
        "contacts": contacts,
        "has_current_contact": any(row["current"] for row in contacts),
        "notices": list(case.notices.order_by("-starts_on", "-id")),
        # Visit records (帮扶走访): the household's visits since the first clue, newest first.
        "visits": list(
            Visit.objects.restrict(user, "view").filter(household=household, visited_on__gte=case.first_clue_date)
            .select_related("visitor").order_by("-visited_on", "-id")[:20]
        ),
        "can_visit": can(user, "change", case) and acting,
        "clear": clear,
        "today": today,
        "settings": settings,
        "can_act": acting,
        # A step's form sent back for the reason of its late entry (补录): its date, reason and error.
        "late_entry": extra.pop("late_entry", None) or {},
    }
    for section in SECTIONS.values():
        context.update(section(request, case, context))
    context.update(extra)
    return context


def render_case(request: HttpRequest, case: Case, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "cases/case_detail.html", case_context(request, case, **extra), status=status)


def refused(request: HttpRequest, case: Case, exc: ActionRefused, **extra: Any) -> HttpResponse:
    """Show the case again with the refusal as a message, and the status the refusal carries."""
    messages.error(request, exc.reason)
    case = get_case(request, case.pk)  # reload: nothing was changed, but show the state as it is now
    return render_case(request, case, status=exc.status_code, **extra)


# --- the pages of an action on the case (a measure, a contact, re-identification) -----------------


def form_page(request: HttpRequest, case: Case, form, *, title: str, action_name: str, template: str,
              status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, template, {"case": case, "form": form, "title": title, "action_name": action_name,
                                      "today": today_date(), **extra}, status=status)


def offered(request: HttpRequest, case: Case, name: str) -> bool:
    """Whether the action ``name`` is offered to the user on this case now."""
    return any(a.name == name for a in available_actions(request.user, case))
