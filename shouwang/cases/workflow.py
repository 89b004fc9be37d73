"""The identification and risk-elimination procedures (policy.md §6.1, §6.2), declared once.

Each procedure is an ordered list of steps (``DECLARATIONS``): a step opens when the steps it
comes after are done, and only a user of its level whose region holds the case may complete
it (a village step: a cadre of that village; a township step: an officer of its township; a
county step: a county officer or administrator). Leaders, auditors and department officers
never act. Every action is one transaction: the case row is locked, the change is made, and a
``Transition`` row plus a change-log entry are written beside it.

Refusals are exceptions with a translated ``reason``: ``NotYourLevel`` (HTTP 403: not this
user's level or region) and ``NotAllowedNow`` (HTTP 409: not at this stage, or a precondition
such as the signed authorisation, the notice or an assistance contact is missing).
``ReasonRequired`` and ``InvalidData`` are kinds of ``NotAllowedNow`` that the API answers
with 400 (the request itself is incomplete).

Decisions worth knowing:

* Deadlines: identification is due ``total_days`` (calendar or working, ``ProcedureSettings`` of
  the longest matching region prefix) after the first clue; elimination the same number of
  days after it started. Each step, when it opens, gets its own due date (its share of days,
  ``StepSpec.days`` or ``step_days``), never later than the procedure's.
* County approval of an identification sets ``identified_on``; the case becomes MONITORED when
  the township files it (``file``), and filing is refused until the case has a current
  assistance contact (帮扶联系人). Measures may be recorded from county approval on.
* A case with a natural-disaster risk (YZRZH or a sub-item) may receive measures before county
  approval (green channel); such measures and the case carry ``green_channel``.
* The notice step completes only when a notice listing the case, created after the case's
  appraisal, of the procedure's kind (or "both"), at least ``notice_min_days`` long, has
  ended (its last day is before today). An objection reopens verification: verify,
  appraisal and notice run again, and a new notice is needed.
* The appraisal step needs the meeting's minutes: an attachment of kind ``minutes`` on this
  procedure, or a written summary given as the action's reason.
* Elimination starts only when ``criteria.elimination_refusals`` has nothing against it, and
  the county approval checks it again; approval sets ELIMINATED with the date and mode.
* Rollback (风险消除回退, county) turns an eliminated case back to MONITORED; re-identification
  (风险再标注, village) opens a new identification procedure on the same case with the new
  risks. The case's earlier dates, risks and mode are kept in the transitions' data.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.accounts.models import Role
from shouwang.accounts.scoping import in_scope
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.signals import data_changed

from .models import (
    AssistanceContact, Attachment, AttachmentKind, Case, CaseSource, CaseStatus, Category, DayKind,
    EliminationMode, Level, Measure, MeasureStatus, MeasureType, Notice, NoticeKind, Procedure, ProcedureKind,
    ProcedureSettings, ProcedureStatus, RiskType, Step, StepCode, StepStatus, Transition,
)

MAX_REASON = 2000
MAX_RISK_TYPES = 5
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")


# --- refusals -------------------------------------------------------------------------------

class ActionRefused(Exception):
    """An action the workflow does not allow; ``reason`` is a translated sentence for the user."""

    status_code = 409

    def __init__(self, reason: str | Promise):
        self.reason = str(reason)
        super().__init__(self.reason)


class NotYourLevel(ActionRefused):
    """Not this user's level or region (HTTP 403)."""

    status_code = 403


class NotAllowedNow(ActionRefused):
    """Not at this stage of the case, or a precondition is missing (HTTP 409)."""

    status_code = 409


class ReasonRequired(NotAllowedNow):
    """The action needs a written reason (HTTP 400)."""

    status_code = 400


class InvalidData(NotAllowedNow):
    """The action's data is missing or malformed (HTTP 400)."""

    status_code = 400


# --- declarations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class StepSpec:
    code: str
    level: str
    after: tuple[str, ...]
    days: int  # default share of the procedure's time; ProcedureSettings.step_days overrides


V, T, C = Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY
S = StepCode

DECLARATIONS: dict[str, tuple[StepSpec, ...]] = {
    ProcedureKind.IDENTIFICATION: (
        StepSpec(S.VERIFY, V, (), 3),
        StepSpec(S.COMPARE, T, (), 5),  # information comparison runs in parallel with verification
        StepSpec(S.APPRAISAL, V, (S.VERIFY, S.COMPARE), 2),
        StepSpec(S.NOTICE, V, (S.APPRAISAL,), 6),
        StepSpec(S.TOWNSHIP, T, (S.NOTICE,), 2),
        StepSpec(S.COUNTY, C, (S.TOWNSHIP,), 2),
        StepSpec(S.ANNOUNCE, T, (S.COUNTY,), 1),
        StepSpec(S.FILE, T, (S.ANNOUNCE,), 1),
    ),
    ProcedureKind.ELIMINATION: (
        StepSpec(S.VERIFY, V, (), 3),
        StepSpec(S.APPRAISAL, V, (S.VERIFY,), 2),
        StepSpec(S.NOTICE, V, (S.APPRAISAL,), 6),
        StepSpec(S.TOWNSHIP, T, (S.NOTICE,), 2),
        StepSpec(S.COUNTY, C, (S.TOWNSHIP,), 2),
        StepSpec(S.ANNOUNCE, T, (S.COUNTY,), 1),
        StepSpec(S.FILE, T, (S.ANNOUNCE,), 1),
    ),
}
del V, T, C, S

# Steps an objection during the notice sends back (they run again, in order).
REOPENED_BY_OBJECTION = (StepCode.VERIFY, StepCode.APPRAISAL, StepCode.NOTICE)

LEVEL_OF_ROLE: dict[str, str] = {
    Role.VILLAGE: Level.VILLAGE, Role.TOWNSHIP: Level.TOWNSHIP, Role.COUNTY: Level.COUNTY, Role.ADMIN: Level.COUNTY,
}

ACTION_LABELS: dict[str, Promise] = {
    "complete_step": gettext_lazy("Complete step"),
    "approve_township": gettext_lazy("Approve (township review)"),
    "approve_county": gettext_lazy("Approve (county)"),
    "reject": gettext_lazy("Reject"),
    "object": gettext_lazy("Record an objection to the notice"),
    "start_elimination": gettext_lazy("Start risk elimination"),
    "rollback_elimination": gettext_lazy("Roll back the risk elimination"),
    "reidentify": gettext_lazy("Identify again for a new risk"),
    "add_measure": gettext_lazy("Add a measure"),
    "add_contact": gettext_lazy("Add an assistance contact"),
    "attach": gettext_lazy("Attach a file"),
    "withdraw": gettext_lazy("Withdraw"),
}
ACTION_NAMES = tuple(ACTION_LABELS)


@dataclass(frozen=True)
class ActionSpec:
    """An action a user may take on a case now: what a page shows as a button."""

    name: str
    label: str
    needs_reason: bool = False
    step_code: str = ""
    data: dict = field(default_factory=dict)
    blocked: str = ""  # with ``explain=True``: why performing it now would still be refused


def today_date() -> date:
    return timezone.localdate()


# --- deadlines ------------------------------------------------------------------------------

def add_days(start: date, days: int, day_kind: str) -> date:
    """``days`` calendar or working days after ``start`` (the county's setting)."""
    if day_kind == DayKind.WORKING:
        from shouwang.monitoring.screening import add_working_days

        return add_working_days(start, days)
    return start + timedelta(days=days)


def procedure_due_date(case: Case, kind: str, start: date, settings: ProcedureSettings | None = None) -> date:
    """Identification runs from the first clue; elimination from the day it started."""
    settings = settings or ProcedureSettings.for_region(case.region_code)
    origin = case.first_clue_date if kind == ProcedureKind.IDENTIFICATION else start
    return add_days(origin, settings.total_days, settings.day_kind)


def _step_days(spec: StepSpec, settings: ProcedureSettings) -> int:
    try:
        return int((settings.step_days or {}).get(spec.code, spec.days))
    except (TypeError, ValueError):
        return spec.days


def _spec(kind: str, code: str) -> StepSpec | None:
    return next((s for s in DECLARATIONS[kind] if s.code == code), None)


def start_procedure(case: Case, kind: str, *, today: date, mode: str = "") -> Procedure:
    """Create the procedure's steps and open those with nothing before them."""
    settings = ProcedureSettings.for_region(case.region_code)
    procedure = Procedure.objects.create(
        case=case, kind=kind, elimination_mode=mode, started_on=today,
        due_date=procedure_due_date(case, kind, today, settings),
    )
    Step.objects.bulk_create([
        Step(procedure=procedure, region_code=case.region_code, code=spec.code, level=spec.level, order=i)
        for i, spec in enumerate(DECLARATIONS[kind])
    ])
    _open_ready_steps(procedure, today, settings)
    return procedure


def _open_ready_steps(procedure: Procedure, today: date, settings: ProcedureSettings | None = None) -> list[Step]:
    """Open every waiting step whose predecessors are all done; each gets its own due date."""
    settings = settings or ProcedureSettings.for_region(procedure.region_code)
    steps = {s.code: s for s in procedure.steps.all()}
    finished = {code for code, s in steps.items() if s.status in (StepStatus.DONE, StepStatus.SKIPPED)}
    opened = []
    for spec in DECLARATIONS[procedure.kind]:
        step = steps[spec.code]
        if step.status == StepStatus.WAITING and all(code in finished for code in spec.after):
            due = min(add_days(today, _step_days(spec, settings), settings.day_kind), procedure.due_date)
            due = max(due, today)  # a step opened after the procedure's due date is due at once
            Step.objects.filter(pk=step.pk).update(status=StepStatus.OPEN, opened_on=today, due_date=due)
            opened.append(step)
    return opened


# --- who may act ----------------------------------------------------------------------------

def user_level(user) -> str | None:
    """The procedure level this user acts at, or None (leaders, auditors, department officers)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return LEVEL_OF_ROLE.get(getattr(user, "role", ""))


def may_act(user, case: Case) -> bool:
    """The user acts at some level and the case's village lies in the user's region."""
    return user_level(user) is not None and in_scope(user, case.region_code, "change")


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def _require_level(ctx: _Ctx, *levels: str) -> None:
    if ctx.level not in levels:
        raise NotYourLevel(_("Only %(levels)s staff may do this; you act at the %(level)s level.") % {
            "levels": " / ".join(_level_label(lv).lower() for lv in levels), "level": _level_label(ctx.level).lower(),
        })


# --- the action context ---------------------------------------------------------------------

@dataclass
class _Ctx:
    case: Case
    user: Any
    level: str
    reason: str
    data: dict
    files: list[tuple[str, Any]]
    today: date
    procedure: Procedure | None = None
    steps: dict[str, Step] = field(default_factory=dict)

    def load_procedure(self) -> None:
        self.procedure = open_procedure(self.case)
        self.steps = {s.code: s for s in self.procedure.steps.all()} if self.procedure else {}


def open_procedure(case: Case) -> Procedure | None:
    """The open procedure, from a prefetch when the caller made one."""
    return next((p for p in case.procedures.all() if p.status == ProcedureStatus.OPEN), None)


def _normalise_files(files: Any) -> list[tuple[str, Any]]:
    if not files:
        return []
    if isinstance(files, Mapping):
        items = []
        for kind, value in files.items():
            for f in (value if isinstance(value, (list, tuple)) else [value]):
                items.append((kind, f))
        return items
    return [(kind, f) for kind, f in files]


# --- checks shared by perform and available_actions -----------------------------------------

def _check_complete_step(ctx: _Ctx, code: str) -> Step:
    if ctx.procedure is None:
        raise NotAllowedNow(_("No procedure is under way on this case."))
    spec = _spec(ctx.procedure.kind, code)
    if spec is None:
        raise InvalidData(_("“%(step)s” is not a step of this procedure.") % {"step": code})
    step = ctx.steps[code]
    _require_level(ctx, spec.level)
    if step.status == StepStatus.DONE:
        raise NotAllowedNow(_("The step “%(step)s” is already done.") % {"step": step.get_code_display()})
    if step.status != StepStatus.OPEN:
        waiting = [ctx.steps[c].get_code_display() for c in spec.after
                   if ctx.steps[c].status not in (StepStatus.DONE, StepStatus.SKIPPED)]
        raise NotAllowedNow(_("The step “%(step)s” comes after: %(before)s.") % {
            "step": step.get_code_display(), "before": ", ".join(str(w) for w in waiting) or "—",
        })
    return step


def _precondition(ctx: _Ctx, step: Step) -> str | None:
    """What a step still needs before it can be completed (documents, notice, contact, criteria)."""
    kind = ctx.procedure.kind
    if step.code == StepCode.VERIFY and kind == ProcedureKind.IDENTIFICATION:
        has = any(k == AttachmentKind.AUTHORISATION for k, _f in ctx.files) or ctx.case.attachments.filter(
            kind=AttachmentKind.AUTHORISATION).exists()
        if not has:
            return _("Home verification needs the signed commitment and authorisation (承诺授权书) attached.")
    if step.code == StepCode.APPRAISAL:
        has = any(k == AttachmentKind.MINUTES for k, _f in ctx.files) or bool(ctx.reason) or ctx.case.attachments.filter(
            kind=AttachmentKind.MINUTES, procedure=ctx.procedure).exists()
        if not has:
            return _("The democratic appraisal needs its minutes: attach them or write a summary as the note.")
    if step.code == StepCode.NOTICE:
        return notice_problem(ctx.case, ctx.procedure, ctx.today)
    if step.code == StepCode.COUNTY and kind == ProcedureKind.ELIMINATION:
        refusals = _elimination_refusals(ctx.case, ctx.procedure.elimination_mode, ctx.today)
        if refusals:
            return " ".join(refusals)
    if step.code == StepCode.FILE and kind == ProcedureKind.IDENTIFICATION:
        if not ctx.case.contacts.current(ctx.today).exists():
            return _("The case needs a current assistance contact (帮扶联系人) before it is filed.")
    return None


def notice_problem(case: Case, procedure: Procedure, today: date) -> str | None:
    """Why the notice step cannot complete yet, or None when a valid notice has ended."""
    settings = ProcedureSettings.for_region(case.region_code)
    appraisal = procedure.steps.filter(code=StepCode.APPRAISAL).values_list("done_at", flat=True).first()
    notices = case.notices.filter(kind__in=(procedure.kind, NoticeKind.BOTH))
    if appraisal is not None:
        notices = notices.filter(created_at__gte=appraisal)
    notices = list(notices)
    if not notices:
        return _("No public notice lists this case since its appraisal; post one in the village first.")
    long_enough = [n for n in notices if n.days >= settings.notice_min_days]
    if not long_enough:
        longest = max(n.days for n in notices)
        return _("The public notice runs %(days)s days; at least %(min)s are required.") % {
            "days": longest, "min": settings.notice_min_days,
        }
    if not any(n.ends_on < today for n in long_enough):
        last = min(n.ends_on for n in long_enough)
        return _("The public notice runs until %(date)s; complete this step after it has ended.") % {
            "date": last.isoformat(),
        }
    return None


def _elimination_refusals(case: Case, mode: str, today: date) -> list[str]:
    from .criteria import elimination_refusals  # engineer C's rules; imported late on purpose

    return [str(r) for r in elimination_refusals(case, mode, today)]


def _measures_allowed(case: Case) -> tuple[bool, bool]:
    """(allowed, green channel): after county approval, or before it on a disaster case."""
    if case.status in (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED):
        return True, False
    if case.status == CaseStatus.IDENTIFYING:
        if case.identified_on is not None:
            return True, False
        if case.has_disaster_risk():
            return True, True
    return False, False


def _open_steps_of_level(ctx: _Ctx) -> list[Step]:
    return [s for s in ctx.steps.values() if s.status == StepStatus.OPEN and s.level == ctx.level]


def _county_done(ctx: _Ctx) -> bool:
    step = ctx.steps.get(StepCode.COUNTY)
    return step is not None and step.status == StepStatus.DONE


def _check(ctx: _Ctx, action: str) -> None:
    """Raise when ``action`` is not for this user's level or the case's stage (data aside)."""
    case = ctx.case
    if action in ("complete_step", "approve_township", "approve_county"):
        code = {"approve_township": StepCode.TOWNSHIP, "approve_county": StepCode.COUNTY}.get(
            action, ctx.data.get("step", ""))
        if not code:
            raise InvalidData(_("Say which step to complete."))
        _check_complete_step(ctx, code)
    elif action in ("reject", "withdraw"):
        if ctx.procedure is None:
            raise NotAllowedNow(_("No procedure is under way on this case."))
        if action == "withdraw":
            _require_level(ctx, Level.VILLAGE, Level.TOWNSHIP)
        elif not _open_steps_of_level(ctx):
            if ctx.level not in {s.level for s in ctx.steps.values()}:
                raise NotYourLevel(_("No step of this procedure is at your level."))
            raise NotAllowedNow(_("No step is waiting for your level now; you can reject only at your own step."))
        if _county_done(ctx):
            raise NotAllowedNow(_("The county has already approved; the decision can no longer be rejected."))
    elif action == "object":
        _require_level(ctx, Level.VILLAGE, Level.TOWNSHIP)
        step = ctx.steps.get(StepCode.NOTICE)
        if step is None or step.status != StepStatus.OPEN:
            raise NotAllowedNow(_("Objections are recorded while the case is on public notice."))
    elif action == "start_elimination":
        _require_level(ctx, Level.VILLAGE)
        if case.status != CaseStatus.MONITORED:
            raise NotAllowedNow(_("Risk elimination starts from a monitored case; this one is “%(status)s”.") % {
                "status": case.get_status_display()})
        if ctx.procedure is not None:
            raise NotAllowedNow(_("Another procedure is still under way on this case."))
    elif action == "rollback_elimination":
        _require_level(ctx, Level.COUNTY)
        if case.status != CaseStatus.ELIMINATED:
            raise NotAllowedNow(_("Only a case whose risk was eliminated can be rolled back."))
    elif action == "reidentify":
        _require_level(ctx, Level.VILLAGE)
        if case.status != CaseStatus.ELIMINATED:
            raise NotAllowedNow(_("Only a case whose risk was eliminated is identified again for a new risk."))
        if ctx.procedure is not None:
            raise NotAllowedNow(_("The elimination is still being announced and filed; finish it first."))
    elif action == "add_measure":
        allowed, _green = _measures_allowed(case)
        if not allowed:
            raise NotAllowedNow(_(
                "Measures are recorded after county approval, or before it only for a natural-disaster risk "
                "(green channel)."))
    elif action in ("add_contact", "attach"):
        if case.status == CaseStatus.REJECTED:
            raise NotAllowedNow(_("The case was not included."))
    else:
        raise InvalidData(_("Unknown action “%(action)s”.") % {"action": action})


# --- public API -----------------------------------------------------------------------------

def available_actions(user, case: Case, today: date | None = None, *, explain: bool = False) -> list[ActionSpec]:
    """The actions this user may take on this case now, one per step where steps differ.

    Preconditions that need documents or figures (the authorisation, the notice, a contact,
    the elimination criteria) are not checked unless ``explain``; then ``blocked`` says what
    is still missing and ``perform`` would refuse with the same words.
    """
    if not may_act(user, case):
        return []
    today = today or today_date()
    ctx = _Ctx(case=case, user=user, level=user_level(user), reason="", data={}, files=[], today=today)
    ctx.load_procedure()
    specs: list[ActionSpec] = []

    def offer(name: str, *, step: str = "", data: dict | None = None, needs_reason: bool = False,
              label: str | Promise | None = None) -> None:
        ctx.data = dict(data or {})
        try:
            _check(ctx, name)
        except ActionRefused:
            return
        blocked = ""
        if explain:
            blocked = _explain(ctx, name, step) or ""
        specs.append(ActionSpec(name=name, label=str(label or ACTION_LABELS[name]), needs_reason=needs_reason,
                                step_code=step, data=dict(data or {}), blocked=blocked))

    if ctx.procedure is not None:
        for spec in DECLARATIONS[ctx.procedure.kind]:
            step = ctx.steps[spec.code]
            if step.status != StepStatus.OPEN or spec.level != ctx.level:
                continue
            if spec.code == StepCode.TOWNSHIP:
                offer("approve_township", step=spec.code)
            elif spec.code == StepCode.COUNTY:
                offer("approve_county", step=spec.code)
            else:
                offer("complete_step", step=spec.code, data={"step": spec.code},
                      label=_("Complete: %(step)s") % {"step": step.get_code_display()})
        offer("object", step=StepCode.NOTICE, needs_reason=True)
        offer("reject", needs_reason=True)
        offer("withdraw", needs_reason=True)
    for mode in EliminationMode:
        offer("start_elimination", data={"mode": mode.value},
              label=_("Start risk elimination: %(mode)s") % {"mode": mode.label})
    offer("rollback_elimination", needs_reason=True)
    offer("reidentify")
    offer("add_measure")
    offer("add_contact")
    offer("attach")
    return specs


def _explain(ctx: _Ctx, name: str, step_code: str) -> str | None:
    if name in ("complete_step", "approve_township", "approve_county") and step_code:
        return _precondition(ctx, ctx.steps[step_code])
    if name == "start_elimination":
        refusals = _elimination_refusals(ctx.case, ctx.data.get("mode", ""), ctx.today)
        return " ".join(refusals) or None
    return None


def perform(case: Case, action: str, user, *, reason: str = "", data: dict | None = None, files: Any = None,
            today: date | None = None) -> Case:
    """Apply ``action`` to ``case`` for ``user`` in one transaction; return the updated case.

    Raises ``NotYourLevel`` or ``NotAllowedNow`` (or its kinds ``ReasonRequired``,
    ``InvalidData``) with a translated ``reason``; nothing is changed then.
    """
    if action not in ACTION_NAMES:
        raise InvalidData(_("Unknown action “%(action)s”.") % {"action": action})
    if not may_act(user, case):
        raise NotYourLevel(_("Only village, township and county staff whose region holds the case may act on it."))
    today = today or today_date()
    reason = " ".join((reason or "").split())[:MAX_REASON]
    files = _normalise_files(files)
    for _kind, f in files:
        _validate_upload(_kind, f)
    acting = acting_unless_known(user, "cases")
    with acting, transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
        ctx = _Ctx(case=locked, user=user, level=user_level(user), reason=reason, data=dict(data or {}),
                   files=files, today=today)
        ctx.load_procedure()
        _check(ctx, action)
        HANDLERS[action](ctx)
        region_codes = {locked.region_code}
        transaction.on_commit(lambda: data_changed.send(sender=Case, part="cases", region_codes=region_codes))
    case.refresh_from_db()
    return case


def queue(user, today: date | None = None) -> QuerySet[Step]:
    """The open steps this user's level and region must act on, soonest due first, with ``is_overdue``."""
    level = user_level(user)
    if level is None:
        return Step.objects.none()
    return (
        Step.objects.restrict(user, "change")
        .filter(status=StepStatus.OPEN, level=level, procedure__status=ProcedureStatus.OPEN)
        .with_overdue(today or today_date())
        .select_related("procedure__case__household__village")
        .order_by("due_date", "id")
    )


def timeline(case: Case) -> list[Transition]:
    """Every transition of the case, oldest first, with its attachments."""
    return list(
        case.transitions.select_related("user", "procedure")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("at", "id")))
        .order_by("at", "id")
    )


def cases_with_steps(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Prefetch what ``available_actions`` reads, so a list asks the database a fixed number of times."""
    return queryset.prefetch_related(
        Prefetch("procedures", queryset=Procedure.objects.order_by("id").prefetch_related(
            Prefetch("steps", queryset=Step.objects.select_related("done_by").order_by("order", "id")))),
        Prefetch("risk_types", queryset=RiskType.objects.select_related("parent")),
    )


# --- opening a case -------------------------------------------------------------------------

def _risk_types(values: Iterable[Any]) -> list[RiskType]:
    values = list(values or [])
    codes = [v.code if isinstance(v, RiskType) else str(v) for v in values]
    if not 1 <= len(set(codes)) <= MAX_RISK_TYPES:
        raise InvalidData(_("Choose one to five risk types."))
    found = {rt.code: rt for rt in RiskType.objects.filter(code__in=codes, active=True).select_related("parent")}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise InvalidData(_("Unknown risk type: %(codes)s.") % {"codes": ", ".join(unknown)})
    return [found[c] for c in dict.fromkeys(codes)]


def open_case(household, user, *, category: str, risk_types: Iterable[Any], source: str, first_clue_date: date,
              warning=None, self_report=None, visit=None, disaster_note: str = "", today: date | None = None) -> Case:
    """Open a case for ``household`` and start its identification (policy.md §6.1).

    A village cadre of the household's village, or an officer of its township, opens it. The
    category is checked against the household's type and income (``categories``); a warning
    it comes from is escalated in the same transaction.
    """
    today = today or today_date()
    level = user_level(user)
    if level not in (Level.VILLAGE, Level.TOWNSHIP) or not in_scope(user, household.region_code, "change"):
        raise NotYourLevel(_("Cases are opened by a village cadre of the household's village or an officer of "
                             "its township."))
    if category not in Category.values:
        raise InvalidData(_("Unknown category “%(category)s”.") % {"category": category})
    if source not in CaseSource.values:
        raise InvalidData(_("Unknown source “%(source)s”.") % {"source": source})
    if first_clue_date is None or first_clue_date > today:
        raise InvalidData(_("The date of the first clue cannot be in the future."))
    types = _risk_types(risk_types)
    from .categories import category_problems  # engineer C's rules; imported late on purpose

    unchecked: list[str] = []
    problems = [str(p) for p in category_problems(household, category, None, unchecked=unchecked)]
    if problems:
        raise NotAllowedNow(" ".join(problems))
    for obj, message in ((warning, _("The warning belongs to another household.")),
                         (self_report, _("The self-report belongs to another household.")),
                         (visit, _("The visit belongs to another household."))):
        if obj is not None and getattr(obj, "household_id", None) not in (None, household.pk):
            raise InvalidData(message)
    if warning is not None and warning.status not in ("new", "verifying"):
        raise NotAllowedNow(_("The warning is already closed (“%(status)s”).") % {
            "status": warning.get_status_display()})

    acting = acting_unless_known(user, "cases")
    with acting, transaction.atomic():
        if Case.objects.filter(household=household, status__in=CaseStatus.open()).exists():
            raise NotAllowedNow(_("Household %(number)s already has an open case.") % {"number": household.number})
        case = Case(
            household=household, category=category, source=source, first_clue_date=first_clue_date,
            warning=warning, self_report=self_report, visit=visit, disaster_note=disaster_note[:200],
            opened_by=user,
        )
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:
            raise NotAllowedNow(_("Household %(number)s already has an open case.") % {
                "number": household.number}) from None
        case.risk_types.set(types)
        procedure = start_procedure(case, ProcedureKind.IDENTIFICATION, today=today)
        _record(case, user, level, "open", "", CaseStatus.IDENTIFYING, procedure=procedure, data={
            "category": category, "risk_types": [t.code for t in types], "source": source,
            "first_clue_date": first_clue_date.isoformat(), "warning": getattr(warning, "pk", None),
        } | ({"category_unchecked": " ".join(str(u) for u in unchecked)} if unchecked else {}))
        if warning is not None:
            _escalate_warning(warning, user)
        region_codes = {case.region_code}
        transaction.on_commit(lambda: data_changed.send(sender=Case, part="cases", region_codes=region_codes))
    return case


def _escalate_warning(warning, user) -> None:
    from shouwang.monitoring import warnings as lifecycle

    try:
        if warning.status == "new":
            lifecycle.transition(warning, "verify", user, _("Verification under the case opened from it."))
        lifecycle.transition(warning, "escalate", user, _("A case was opened."))
    except (DjangoPermissionDenied, lifecycle.TransitionNotAllowed) as exc:
        # The warning moved meanwhile; the whole opening is rolled back.
        raise NotAllowedNow(_("The warning could not be escalated: %(error)s") % {"error": exc}) from exc


def create_notice(user, village_code: str, cases: Iterable[Case], *, starts_on: date, ends_on: date,
                  contact: str = "", kind: str = NoticeKind.IDENTIFICATION, today: date | None = None) -> Notice:
    """Post a notice in one village for cases now at their notice step (published once, village only)."""
    level = user_level(user)
    if level not in (Level.VILLAGE, Level.TOWNSHIP) or not in_scope(user, village_code, "change"):
        raise NotYourLevel(_("Notices are posted by the village's cadres or its township's officers."))
    if kind not in NoticeKind.values:
        raise InvalidData(_("Unknown notice kind “%(kind)s”.") % {"kind": kind})
    if ends_on < starts_on:
        raise InvalidData(_("The notice ends before it starts."))
    settings = ProcedureSettings.for_region(village_code)
    days = (ends_on - starts_on).days + 1
    if days < settings.notice_min_days:
        raise NotAllowedNow(_("The public notice runs %(days)s days; at least %(min)s are required.") % {
            "days": days, "min": settings.notice_min_days})
    cases = list(cases)
    if not cases:
        raise InvalidData(_("Choose the cases to list on the notice."))
    for case in cases:
        if case.region_code != village_code:
            raise InvalidData(_("Case %(id)s is not in this village.") % {"id": case.pk})
        procedure = open_procedure(case)
        # ``.all()`` so that the prefetch of ``cases_with_steps`` answers without a query per case.
        step = next((s for s in procedure.steps.all() if s.code == StepCode.NOTICE), None) if procedure else None
        if step is None or step.status != StepStatus.OPEN or not (
                kind == NoticeKind.BOTH or procedure.kind == kind):
            raise NotAllowedNow(_("Case %(id)s is not at its public-notice step.") % {"id": case.pk})
    acting = acting_unless_known(user, "cases")
    with acting, transaction.atomic():
        notice = Notice(region_code=village_code, kind=kind, starts_on=starts_on, ends_on=ends_on,
                        contact=contact[:200], created_by=user)
        notice.save()
        notice.cases.set(cases)
        record_changes([Change(
            action="create", object_type="cases.notice", object_id=notice.pk, object_repr=str(notice),
            region_code=village_code, after={"kind": kind, "starts_on": starts_on.isoformat(),
                                             "ends_on": ends_on.isoformat(), "cases": [c.pk for c in cases]},
        )])
    return notice


# --- handlers -------------------------------------------------------------------------------

def _record(case: Case, user, level: str, action: str, from_status: str, to_status: str, *,
            procedure: Procedure | None = None, step_code: str = "", reason: str = "", data: dict | None = None,
            files: list[tuple[str, Any]] | None = None) -> Transition:
    """The transition row, its attachments and the change-log entry, in the caller's transaction."""
    transition = Transition.objects.create(
        case=case, procedure=procedure, step_code=step_code, action=action, from_status=from_status,
        to_status=to_status, user=user, username=user.get_username() if user else "", level=level,
        reason=reason, data=data or {},
    )
    for kind, f in files or []:
        Attachment.objects.create(
            case=case, procedure=procedure, transition=transition, kind=kind, file=f,
            original_name=os.path.basename(getattr(f, "name", "") or "")[:200], uploaded_by=user,
        )
    record_changes([Change(
        action="update" if action != "open" else "create", object_type="cases.case", object_id=case.pk,
        object_repr=f"{case.household.number} {case.get_category_display()}", region_code=case.region_code,
        before={"status": from_status} if from_status else None,
        after={"status": to_status, "action": action, "step": step_code, "reason": reason, **(data or {})},
    )])
    return transition


def _validate_upload(kind: str, f: Any) -> None:
    if kind not in AttachmentKind.values:
        raise InvalidData(_("Unknown attachment kind “%(kind)s”.") % {"kind": kind})
    name = (getattr(f, "name", "") or "").lower()
    if not name.endswith(UPLOAD_EXTENSIONS):
        raise InvalidData(_("Attach PDF, JPG or PNG files only."))
    if (getattr(f, "size", 0) or 0) > MAX_UPLOAD_BYTES:
        raise InvalidData(_("A file may be at most 10 MB."))


def _set_case(case: Case, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(case, name, value)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now(), **fields)


def _close_procedure(ctx: _Ctx, status: str, step_status_for_open: str | None = None,
                     acting_step_status: str | None = None) -> None:
    """Close the open procedure; open and waiting steps become skipped (or rejected for the actor's)."""
    now = timezone.now()
    Procedure.objects.filter(pk=ctx.procedure.pk).update(status=status, closed_at=now)
    mine = [s.pk for s in _open_steps_of_level(ctx)] if acting_step_status else []
    if mine:
        Step.objects.filter(pk__in=mine).update(status=acting_step_status, done_at=now, done_by=ctx.user,
                                                note=ctx.reason)
    Step.objects.filter(procedure=ctx.procedure, status__in=(StepStatus.OPEN, StepStatus.WAITING)).exclude(
        pk__in=mine).update(status=step_status_for_open or StepStatus.SKIPPED)


def _complete_step(ctx: _Ctx) -> None:
    code = ctx.data.get("step", "")
    step = _check_complete_step(ctx, code)
    problem = _precondition(ctx, step)
    if problem:
        raise NotAllowedNow(problem)
    case, procedure, kind = ctx.case, ctx.procedure, ctx.procedure.kind
    now = timezone.now()
    Step.objects.filter(pk=step.pk).update(status=StepStatus.DONE, done_at=now, done_by=ctx.user, note=ctx.reason)
    before = case.status
    data: dict[str, Any] = {}
    if code == StepCode.COUNTY and kind == ProcedureKind.IDENTIFICATION:
        _set_case(case, identified_on=ctx.today)
        data["identified_on"] = ctx.today.isoformat()
    elif code == StepCode.COUNTY and kind == ProcedureKind.ELIMINATION:
        _set_case(case, status=CaseStatus.ELIMINATED, eliminated_on=ctx.today,
                  elimination_mode=procedure.elimination_mode)
        data |= {"eliminated_on": ctx.today.isoformat(), "mode": procedure.elimination_mode}
    elif code == StepCode.FILE and kind == ProcedureKind.IDENTIFICATION:
        from .criteria import has_labour

        fields: dict[str, Any] = {"status": CaseStatus.MONITORED}
        if not has_labour(case):
            fields["no_labour_safety_net"] = True
            data["no_labour_safety_net"] = True
        _set_case(case, **fields)
    remaining = procedure.steps.exclude(status__in=(StepStatus.DONE, StepStatus.SKIPPED)).exists()
    if remaining:
        _open_ready_steps(procedure, ctx.today)
    else:
        Procedure.objects.filter(pk=procedure.pk).update(status=ProcedureStatus.DONE, closed_at=now)
    action = {StepCode.TOWNSHIP: "approve_township", StepCode.COUNTY: "approve_county"}.get(code, "complete_step")
    _record(case, ctx.user, ctx.level, action, before, case.status, procedure=procedure, step_code=code,
            reason=ctx.reason, data=data, files=ctx.files)


def _reject(ctx: _Ctx, *, withdraw: bool = False) -> None:
    if not ctx.reason:
        raise ReasonRequired(_("A reason is required."))
    case, before = ctx.case, ctx.case.status
    identification = ctx.procedure.kind == ProcedureKind.IDENTIFICATION
    if withdraw:
        _close_procedure(ctx, ProcedureStatus.WITHDRAWN)
    else:
        _close_procedure(ctx, ProcedureStatus.REJECTED, acting_step_status=StepStatus.REJECTED)
    _set_case(case, status=CaseStatus.REJECTED if identification else CaseStatus.MONITORED)
    step = next((s.code for s in _open_steps_of_level(ctx)), "")
    _record(case, ctx.user, ctx.level, "withdraw" if withdraw else "reject", before, case.status,
            procedure=ctx.procedure, step_code=step, reason=ctx.reason, files=ctx.files)


def _object(ctx: _Ctx) -> None:
    if not ctx.reason:
        raise ReasonRequired(_("Write down the objection."))
    reopened = [ctx.steps[c].pk for c in REOPENED_BY_OBJECTION if c in ctx.steps]
    Step.objects.filter(pk__in=reopened).update(status=StepStatus.WAITING, opened_on=None, due_date=None,
                                                done_at=None, done_by=None)
    _open_ready_steps(ctx.procedure, ctx.today)
    _record(ctx.case, ctx.user, ctx.level, "object", ctx.case.status, ctx.case.status, procedure=ctx.procedure,
            step_code=StepCode.NOTICE, reason=ctx.reason, data={"reopened": list(REOPENED_BY_OBJECTION)},
            files=ctx.files)


def _start_elimination(ctx: _Ctx) -> None:
    mode = ctx.data.get("mode", "")
    if mode not in EliminationMode.values:
        raise InvalidData(_("Choose the elimination mode: through assistance or natural."))
    refusals = _elimination_refusals(ctx.case, mode, ctx.today)
    if refusals:
        raise NotAllowedNow(" ".join(refusals))
    before = ctx.case.status
    procedure = start_procedure(ctx.case, ProcedureKind.ELIMINATION, today=ctx.today, mode=mode)
    _set_case(ctx.case, status=CaseStatus.ELIMINATING)
    _record(ctx.case, ctx.user, ctx.level, "start_elimination", before, CaseStatus.ELIMINATING, procedure=procedure,
            reason=ctx.reason, data={"mode": mode}, files=ctx.files)


def _rollback(ctx: _Ctx) -> None:
    if not ctx.reason:
        raise ReasonRequired(_("A reason is required to roll back an elimination."))
    case = ctx.case
    data = {"eliminated_on": case.eliminated_on.isoformat() if case.eliminated_on else None,
            "mode": case.elimination_mode}
    if ctx.procedure is not None:  # still being announced or filed
        _close_procedure(ctx, ProcedureStatus.WITHDRAWN)
    _set_case(case, status=CaseStatus.MONITORED, eliminated_on=None, elimination_mode="")
    _record(case, ctx.user, ctx.level, "rollback_elimination", CaseStatus.ELIMINATED, CaseStatus.MONITORED,
            procedure=ctx.procedure, reason=ctx.reason, data=data, files=ctx.files)


def _reidentify(ctx: _Ctx) -> None:
    case = ctx.case
    types = _risk_types(ctx.data.get("risk_types") or [])
    clue = ctx.data.get("first_clue_date") or ctx.today
    if isinstance(clue, str):
        clue = parse_date(clue)
        if clue is None:
            raise InvalidData(_("The date of the first clue is not a date."))
    if clue > ctx.today:
        raise InvalidData(_("The date of the first clue cannot be in the future."))
    category = ctx.data.get("category") or case.category
    if category not in Category.values:
        raise InvalidData(_("Unknown category “%(category)s”.") % {"category": category})
    if Case.objects.filter(household_id=case.household_id, status__in=CaseStatus.open()).exclude(pk=case.pk).exists():
        raise NotAllowedNow(_("The household already has another open case."))
    history = {
        "previous": {
            "risk_types": list(case.risk_types.values_list("code", flat=True)), "category": case.category,
            "first_clue_date": case.first_clue_date.isoformat(),
            "identified_on": case.identified_on.isoformat() if case.identified_on else None,
            "eliminated_on": case.eliminated_on.isoformat() if case.eliminated_on else None,
            "mode": case.elimination_mode,
        },
        "risk_types": [t.code for t in types], "category": category, "first_clue_date": clue.isoformat(),
    }
    _set_case(case, status=CaseStatus.IDENTIFYING, first_clue_date=clue, category=category, identified_on=None,
              eliminated_on=None, elimination_mode="", green_channel=False)
    case.risk_types.set(types)
    procedure = start_procedure(case, ProcedureKind.IDENTIFICATION, today=ctx.today)
    _record(case, ctx.user, ctx.level, "reidentify", CaseStatus.ELIMINATED, CaseStatus.IDENTIFYING,
            procedure=procedure, reason=ctx.reason, data=history, files=ctx.files)


def _date(value: Any, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise InvalidData(_("%(field)s is not a date.") % {"field": label})
    return parsed


def _add_measure(ctx: _Ctx) -> None:
    case, d = ctx.case, ctx.data
    _allowed, green = _measures_allowed(case)
    code = d.get("measure_type")
    measure_type = MeasureType.objects.filter(code=getattr(code, "code", code), active=True).first()
    if measure_type is None:
        raise InvalidData(_("Choose a measure type from the catalogue."))
    member = None
    if d.get("member"):
        member = case.household.members.filter(pk=getattr(d["member"], "pk", d["member"])).first()
        if member is None:
            raise InvalidData(_("The member is not in this household."))
    amount = d.get("amount")
    if amount not in (None, ""):
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            raise InvalidData(_("The amount is not a number.")) from None
        if amount < 0:
            raise InvalidData(_("The amount cannot be negative."))
    else:
        amount = None
    status = d.get("status") or MeasureStatus.PLANNED
    if status not in MeasureStatus.values:
        raise InvalidData(_("Unknown measure status “%(status)s”.") % {"status": status})
    starts_on, ends_on = _date(d.get("starts_on"), _("Start")), _date(d.get("ends_on"), _("End"))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidData(_("The measure ends before it starts."))
    measure = Measure(
        case=case, measure_type=measure_type, member=member, description=str(d.get("description") or "")[:2000],
        responsible_unit=str(d.get("responsible_unit") or "")[:200],
        responsible_person=str(d.get("responsible_person") or "")[:60], starts_on=starts_on, ends_on=ends_on,
        amount=amount, funding_source=str(d.get("funding_source") or "")[:200], status=status, green_channel=green,
        created_by=ctx.user,
    )
    measure.save()
    if green and not case.green_channel:
        _set_case(case, green_channel=True)
    _record(case, ctx.user, ctx.level, "add_measure", case.status, case.status, procedure=ctx.procedure,
            reason=ctx.reason, data={"measure": measure.pk, "measure_type": measure_type.code,
                                     "green_channel": green}, files=ctx.files)


def _add_contact(ctx: _Ctx) -> None:
    d = ctx.data
    name = str(d.get("name") or "").strip()[:60]
    if not name:
        raise InvalidData(_("The contact's name is required."))
    starts_on, ends_on = _date(d.get("starts_on"), _("From")), _date(d.get("ends_on"), _("To"))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidData(_("The contact's period ends before it starts."))
    contact = AssistanceContact(
        case=ctx.case, name=name, unit=str(d.get("unit") or "")[:200], position=str(d.get("position") or "")[:100],
        starts_on=starts_on or ctx.today, ends_on=ends_on, created_by=ctx.user,
    )
    contact.set_phone(str(d.get("phone") or "").strip())
    contact.save()
    _record(ctx.case, ctx.user, ctx.level, "add_contact", ctx.case.status, ctx.case.status,
            procedure=ctx.procedure, reason=ctx.reason,
            data={"contact": contact.pk, "name": name, "phone": contact.phone_masked}, files=ctx.files)


def _attach(ctx: _Ctx) -> None:
    if not ctx.files:
        raise InvalidData(_("Choose a file to attach."))
    _record(ctx.case, ctx.user, ctx.level, "attach", ctx.case.status, ctx.case.status, procedure=ctx.procedure,
            reason=ctx.reason, data={"kinds": [k for k, _f in ctx.files]}, files=ctx.files)


HANDLERS = {
    "complete_step": _complete_step,
    "approve_township": lambda ctx: _complete_step(_with_step(ctx, StepCode.TOWNSHIP)),
    "approve_county": lambda ctx: _complete_step(_with_step(ctx, StepCode.COUNTY)),
    "reject": _reject,
    "withdraw": lambda ctx: _reject(ctx, withdraw=True),
    "object": _object,
    "start_elimination": _start_elimination,
    "rollback_elimination": _rollback,
    "reidentify": _reidentify,
    "add_measure": _add_measure,
    "add_contact": _add_contact,
    "attach": _attach,
}


def _with_step(ctx: _Ctx, code: str) -> _Ctx:
    ctx.data["step"] = code
    return ctx


# --- screening ------------------------------------------------------------------------------

def suppressed_pairs(household_years: QuerySet) -> set[tuple[int, int]]:
    """(household, rule) pairs screening must not warn about again: an open case came from that rule.

    Registered with ``monitoring.screening.register_suppression_provider`` in ``apps.ready``.
    Covers the warning a case was opened from and any other warning of the household escalated
    while the case is open (both raised by a rule the case is already dealing with).
    """
    from shouwang.monitoring.models import Warning, WarningStatus

    # Every open case counts, not only those of the screened rows: an open case's pair must never
    # get a new warning, and open cases are few where the screened rows may be a county's million
    # (restricting to them cost a semi-join over all of them, 0.6 s at a million on SQLite).
    open_cases = Case.objects.open()
    pairs = set(open_cases.filter(warning__rule__isnull=False).values_list("household_id", "warning__rule_id"))
    escalated = Warning.objects.filter(
        status=WarningStatus.ESCALATED, rule__isnull=False, household__cases__in=open_cases,
        closed_at__gte=models.F("household__cases__created_at"),
    )
    pairs.update(escalated.values_list("household_id", "rule_id"))
    return pairs
