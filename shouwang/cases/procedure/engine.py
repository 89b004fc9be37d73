"""The procedure engine: what a user may do on a case now (``available_actions``) and doing it (``perform``).

The steps are declared once (``declarations.DECLARATIONS``, policy.md §6.1, §6.2): a step opens
when the steps it comes after are done (``deadlines``), and only a user of its level whose region
holds the case may complete it (``cases.complete_step`` in :mod:`.permissions`, asked of
``can``). Every action is one transaction: the case row is locked, the action's check runs, the
change is made, and a ``Transition`` row plus a change-log entry are written beside it
(``audit``). The actions of other features run here too, each with its check: measures and
contacts (``shouwang.cases.assistance.services``), starting an elimination, rollback and
re-identification (``shouwang.cases.elimination.services``). The engine imports none of them (the
features sit above the procedure): they are registered with ``register_action``, and what a step
needs from another feature (a valid notice, the elimination criteria) or changes for it (the
safety-net flag at filing) with ``register_step_check`` and ``register_step_effect``, all from
``CasesConfig.ready`` (``shouwang.cases.casework.wiring``). Which levels take the narrower
actions (withdrawing, an objection, an elimination) is declared beside ``cases.complete_step``
and asked through ``context.require_permitted``.

Refusals are the exceptions of ``refusals``: ``NotYourLevel`` (HTTP 403), ``NotAllowedNow``
(HTTP 409) and its kinds ``ReasonRequired`` and ``InvalidData`` (HTTP 400).

Decisions worth knowing:

* County approval of an identification sets ``identified_on``; the case becomes MONITORED when
  the township files it (``file``), and filing is refused until the case has a current
  assistance contact (帮扶联系人). Measures may be recorded from county approval on.
* Honest dates (``lateentry``): every action is recorded on ``recorded_on`` (today unless a
  caller replays a past day). A step is done on ``data["done_on"]`` (default: the recording day),
  never later than it is recorded nor earlier than the steps it follows; done earlier than it is
  recorded, it is a late entry (补录) that needs ``late_reason`` and is marked in the history.
  What the step needs and sets (the notice, a contact, ``identified_on``) is judged on ``done_on``.
* The notice step completes only when a valid notice has ended
  (``shouwang.cases.notices.services.notice_problem``); a notice counts only if it starts on or
  after the day the appraisal was done. An objection reopens verification:
  verify, appraisal and notice run again, and a new notice is needed.
* The appraisal step needs the meeting's minutes: an attachment of kind ``minutes`` on this
  procedure, or a written summary given as the action's reason.
* Elimination starts only when ``criteria.elimination_refusals`` has nothing against it, and
  the county approval checks it again; approval sets ELIMINATED with the date and mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.dateparse import parse_date
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case, CaseStatus, EliminationMode
from shouwang.cases.catalogue.models import RiskType
from shouwang.core.audit import acting_unless_known
from shouwang.core.permissions import can
from shouwang.core.signals import data_changed

from .audit import record
from .context import (
    ActionContext,
    close_procedure,
    open_steps_of_level,
    require_permitted,
    set_case,
    user_level,
)
from .deadlines import open_ready_steps, today_date
from .declarations import (
    ACTION_LABELS,
    ACTION_NAMES,
    APPROVAL_STEP,
    DECLARATIONS,
    REOPENED_BY_OBJECTION,
    ActionSpec,
    spec_of,
)
from .lateentry import clean_reason, late_entry_data, late_entry_reason
from .models import (
    AttachmentKind,
    Procedure,
    ProcedureKind,
    ProcedureStatus,
    Step,
    StepCode,
    StepStatus,
)
from .refusals import ActionRefused, InvalidData, NotAllowedNow, NotYourLevel, ReasonRequired
from .uploads import attachment_problem


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

def _check_complete_step(ctx: ActionContext, code: str) -> Step:
    if ctx.procedure is None:
        raise NotAllowedNow(_("No procedure is under way on this case."))
    spec = spec_of(ctx.procedure.kind, code)
    if spec is None:
        raise InvalidData(_("“%(step)s” is not a step of this procedure.") % {"step": code})
    step = ctx.steps[code]
    require_permitted(ctx, "cases.complete_step", step)
    if step.status == StepStatus.DONE:
        raise NotAllowedNow(_("The step “%(step)s” is already done.") % {"step": step.get_code_display()})
    if step.status != StepStatus.OPEN:
        waiting = [ctx.steps[c].get_code_display() for c in spec.after
                   if ctx.steps[c].status not in (StepStatus.DONE, StepStatus.SKIPPED)]
        raise NotAllowedNow(_("The step “%(step)s” comes after: %(before)s.") % {
            "step": step.get_code_display(), "before": ", ".join(str(w) for w in waiting) or "—",
        })
    return step


def _precondition(ctx: ActionContext, step: Step) -> str | None:
    """What a step still needs before it can be completed (documents, notice, contact, criteria)."""
    kind = ctx.procedure.kind
    if step.code == StepCode.VERIFY and kind == ProcedureKind.IDENTIFICATION:
        has = any(k == AttachmentKind.AUTHORISATION for k, _f in ctx.files) or ctx.case.attachments.filter(
            kind=AttachmentKind.AUTHORISATION).exists()
        if not has:
            return _("Home verification needs the signed commitment and authorisation (承诺授权书) attached.")
    if step.code == StepCode.APPRAISAL:
        has = (
            any(k == AttachmentKind.MINUTES for k, _f in ctx.files)
            or bool(ctx.reason)
            or ctx.case.attachments.filter(kind=AttachmentKind.MINUTES, procedure=ctx.procedure).exists()
        )
        if not has:
            return _("The democratic appraisal needs its minutes: attach them or write a summary as the note.")
    for key in ((kind, step.code), ("", step.code)):
        check = STEP_CHECKS.get(key)
        problem = check(ctx) if check is not None else None
        if problem:
            return problem
    if (
        step.code == StepCode.FILE
        and kind == ProcedureKind.IDENTIFICATION
        and not ctx.case.contacts.current(ctx.today).exists()
    ):
        return _("The case needs a current assistance contact (帮扶联系人) before it is filed.")
    return None


def _county_done(ctx: ActionContext) -> bool:
    step = ctx.steps.get(StepCode.COUNTY)
    return step is not None and step.status == StepStatus.DONE


def _check_step_action(ctx: ActionContext, code: str) -> None:
    if not code:
        raise InvalidData(_("Say which step to complete."))
    _check_complete_step(ctx, code)


def _check_decision(ctx: ActionContext, *, withdraw: bool = False) -> None:
    if ctx.procedure is None:
        raise NotAllowedNow(_("No procedure is under way on this case."))
    if withdraw:
        require_permitted(ctx, "cases.withdraw")
    elif not open_steps_of_level(ctx):
        if ctx.level not in {s.level for s in ctx.steps.values()}:
            raise NotYourLevel(_("No step of this procedure is at your level."))
        raise NotAllowedNow(_("No step is waiting for your level now; you can reject only at your own step."))
    if _county_done(ctx):
        raise NotAllowedNow(_("The county has already approved; the decision can no longer be rejected."))


def _check_object(ctx: ActionContext) -> None:
    require_permitted(ctx, "cases.object")
    step = ctx.steps.get(StepCode.NOTICE)
    if step is None or step.status != StepStatus.OPEN:
        raise NotAllowedNow(_("Objections are recorded while the case is on public notice."))


def _check_attach(ctx: ActionContext) -> None:
    if ctx.case.status == CaseStatus.REJECTED:
        raise NotAllowedNow(_("The case was not included."))


# Each action's check: whether it is for this user's level and the case's stage (data aside).
CHECKS: dict[str, Callable[[ActionContext], None]] = {
    "complete_step": lambda ctx: _check_step_action(ctx, ctx.data.get("step", "")),
    "approve_township": lambda ctx: _check_step_action(ctx, StepCode.TOWNSHIP),
    "approve_county": lambda ctx: _check_step_action(ctx, StepCode.COUNTY),
    "reject": _check_decision,
    "withdraw": lambda ctx: _check_decision(ctx, withdraw=True),
    "object": _check_object,
    "attach": _check_attach,
}


def _check(ctx: ActionContext, action: str) -> None:
    """Raise when ``action`` is not for this user's level or the case's stage (data aside)."""
    check = CHECKS.get(action)
    if check is None:
        raise InvalidData(_("Unknown action “%(action)s”.") % {"action": action})
    check(ctx)


def _validate_upload(kind: str, f: Any) -> None:
    if kind not in AttachmentKind.values:
        raise InvalidData(_("Unknown attachment kind “%(kind)s”.") % {"kind": kind})
    # The same check as the page's form (name, size and first bytes), whichever way the file came.
    problem = attachment_problem(f)
    if problem:
        raise InvalidData(problem)


# --- the procedure's own actions (the other features' are in their services) --------------

def _earliest_done_on(ctx: ActionContext, step: Step) -> date:
    """A step is done no earlier than the steps it follows (or the first clue, or the elimination's start)."""
    spec = spec_of(ctx.procedure.kind, step.code)
    before = [ctx.steps[c].done_date for c in (spec.after if spec else ())]
    dates = [d for d in before if d is not None]
    if dates:
        return max(dates)
    if ctx.procedure.kind == ProcedureKind.IDENTIFICATION:
        return ctx.case.first_clue_date
    return ctx.procedure.started_on


def _done_on(ctx: ActionContext, step: Step) -> tuple[date, str]:
    """The day the step was done (typed as ``done_on``, else the recording day) and its late-entry reason."""
    recorded_on = ctx.recorded_on or ctx.today
    raw = ctx.data.get("done_on")
    if raw in (None, ""):
        done_on = recorded_on
    elif isinstance(raw, date):
        done_on = raw
    else:
        parsed = parse_date(str(raw))
        if parsed is None:
            raise InvalidData(_("The date the step was done is not a date."))
        done_on = parsed
    if done_on > recorded_on:
        raise InvalidData(_("A step cannot be done on a day after it is recorded (%(date)s).") % {
            "date": recorded_on.isoformat()})
    earliest = _earliest_done_on(ctx, step)
    if done_on < earliest:
        raise InvalidData(_(
            "The step “%(step)s” cannot be done before %(date)s, when the step it follows was done "
            "(or the first clue was found)."
        ) % {"step": step.get_code_display(), "date": earliest.isoformat()})
    late = late_entry_reason(done_on, recorded_on, ctx.late_reason, what=_("The date “%(step)s” was done") % {
        "step": step.get_code_display()})
    return done_on, late


def _complete_step(ctx: ActionContext) -> None:
    code = ctx.data.get("step", "")
    step = _check_complete_step(ctx, code)
    done_on, late = _done_on(ctx, step)
    # Everything the step needs and sets is judged on the day it was done, not the day it is entered.
    ctx.today = done_on
    problem = _precondition(ctx, step)
    if problem:
        raise NotAllowedNow(problem)
    case, procedure, kind = ctx.case, ctx.procedure, ctx.procedure.kind
    now = ctx.moment
    Step.objects.filter(pk=step.pk).update(status=StepStatus.DONE, done_at=now, done_by=ctx.user, note=ctx.reason,
                                           done_on=done_on, recorded_on=ctx.recorded_on, late_reason=late)
    before = case.status
    data: dict[str, Any] = {}
    data |= late_entry_data(done_on, ctx.recorded_on or done_on, late)
    fields: dict[str, Any] = {}
    if code == StepCode.COUNTY and kind == ProcedureKind.IDENTIFICATION:
        fields["identified_on"] = ctx.today
        data["identified_on"] = ctx.today.isoformat()
    elif code == StepCode.COUNTY and kind == ProcedureKind.ELIMINATION:
        fields |= {"status": CaseStatus.ELIMINATED, "eliminated_on": ctx.today,
                   "elimination_mode": procedure.elimination_mode}
        data |= {"eliminated_on": ctx.today.isoformat(), "mode": procedure.elimination_mode}
    elif code == StepCode.FILE and kind == ProcedureKind.IDENTIFICATION:
        fields["status"] = CaseStatus.MONITORED
    for effect in STEP_EFFECTS.get((kind, code), ()):  # other features' changes (the safety-net flag at filing)
        changes = effect(ctx)
        fields |= changes
        data |= changes
    if fields:
        set_case(case, **fields)
    remaining = procedure.steps.exclude(status__in=(StepStatus.DONE, StepStatus.SKIPPED)).exists()
    if remaining:
        open_ready_steps(procedure, ctx.today)
    else:
        Procedure.objects.filter(pk=procedure.pk).update(status=ProcedureStatus.DONE, closed_at=now)
    action = next((name for name, step in APPROVAL_STEP.items() if step == code), "complete_step")
    record(case, ctx.user, ctx.level, action, before, case.status, procedure=procedure, step_code=code,
           reason=ctx.reason, data=data, files=ctx.files, at=now)


def _reject(ctx: ActionContext, *, withdraw: bool = False) -> None:
    if not ctx.reason:
        raise ReasonRequired(_("A reason is required."))
    case, before = ctx.case, ctx.case.status
    identification = ctx.procedure.kind == ProcedureKind.IDENTIFICATION
    if withdraw:
        close_procedure(ctx, ProcedureStatus.WITHDRAWN)
    else:
        close_procedure(ctx, ProcedureStatus.REJECTED, acting_step_status=StepStatus.REJECTED)
    set_case(case, status=CaseStatus.REJECTED if identification else CaseStatus.MONITORED)
    step = next((s.code for s in open_steps_of_level(ctx)), "")
    record(case, ctx.user, ctx.level, "withdraw" if withdraw else "reject", before, case.status,
           procedure=ctx.procedure, step_code=step, reason=ctx.reason, files=ctx.files, at=ctx.moment)


def _object(ctx: ActionContext) -> None:
    if not ctx.reason:
        raise ReasonRequired(_("Write down the objection."))
    reopened = [ctx.steps[c].pk for c in REOPENED_BY_OBJECTION if c in ctx.steps]
    Step.objects.filter(pk__in=reopened).update(status=StepStatus.WAITING, opened_on=None, due_date=None,
                                                done_at=None, done_by=None, done_on=None, recorded_on=None,
                                                late_reason="")
    open_ready_steps(ctx.procedure, ctx.today)
    record(ctx.case, ctx.user, ctx.level, "object", ctx.case.status, ctx.case.status, procedure=ctx.procedure,
           step_code=StepCode.NOTICE, reason=ctx.reason, data={"reopened": list(REOPENED_BY_OBJECTION)},
           files=ctx.files, at=ctx.moment)


def _attach(ctx: ActionContext) -> None:
    if not ctx.files:
        raise InvalidData(_("Choose a file to attach."))
    record(ctx.case, ctx.user, ctx.level, "attach", ctx.case.status, ctx.case.status, procedure=ctx.procedure,
           reason=ctx.reason, data={"kinds": [k for k, _f in ctx.files]}, files=ctx.files, at=ctx.moment)


# Each action's change, made after its check inside ``perform``'s transaction.
HANDLERS: dict[str, Callable[[ActionContext], None]] = {
    "complete_step": _complete_step,
    "approve_township": lambda ctx: _complete_step(_with_step(ctx, StepCode.TOWNSHIP)),
    "approve_county": lambda ctx: _complete_step(_with_step(ctx, StepCode.COUNTY)),
    "reject": _reject,
    "withdraw": lambda ctx: _reject(ctx, withdraw=True),
    "object": _object,
    "attach": _attach,
}


def _with_step(ctx: ActionContext, code: str) -> ActionContext:
    ctx.data["step"] = code
    return ctx


# --- what the other features plug in (``CasesConfig.ready``, ``shouwang.cases.casework.wiring``) --

# What an action of another feature is still missing, said on its button (``available_actions(explain=True)``).
EXPLAINS: dict[str, Callable[[ActionContext], str | None]] = {}
# What completing a step needs from another feature, per (procedure kind or "" for any, step code):
# the problem in words, or None when nothing stands against it.
STEP_CHECKS: dict[tuple[str, str], Callable[[ActionContext], str | None]] = {}
# What completing a step changes on the case for another feature, per (procedure kind, step code):
# the case's fields to set, written with the step's own and recorded in the transition's data.
STEP_EFFECTS: dict[tuple[str, str], list[Callable[[ActionContext], dict[str, Any]]]] = {}


def register_action(name: str, check: Callable[[ActionContext], None], handler: Callable[[ActionContext], None],
                    *, explain: Callable[[ActionContext], str | None] | None = None) -> None:
    """Run the action ``name`` (declared in ``declarations.ACTION_NAMES``) with its check and change.

    ``check`` raises an ``ActionRefused`` when the action is not for this user or stage; ``handler``
    makes the change inside ``perform``'s transaction; ``explain`` says what is still missing.
    Registering a name again replaces it.
    """
    if name not in ACTION_NAMES:
        raise ValueError(f"{name!r} is not a declared action")
    CHECKS[name] = check
    HANDLERS[name] = handler
    if explain is not None:
        EXPLAINS[name] = explain


def register_step_check(code: str, check: Callable[[ActionContext], str | None], *, kind: str = "") -> None:
    """Refuse to complete step ``code`` (of procedures of ``kind``, or any) while ``check`` names a problem."""
    STEP_CHECKS[(kind, code)] = check


def register_step_effect(kind: str, code: str, effect: Callable[[ActionContext], dict[str, Any]]) -> None:
    """Set the case fields ``effect`` returns when step ``code`` of a ``kind`` procedure is completed."""
    effects = STEP_EFFECTS.setdefault((kind, code), [])
    if effect not in effects:
        effects.append(effect)


# --- public API -----------------------------------------------------------------------------

def available_actions(user, case: Case, today: date | None = None, *, explain: bool = False) -> list[ActionSpec]:
    """The actions this user may take on this case now, one per step where steps differ.

    Preconditions that need documents or figures (the authorisation, the notice, a contact,
    the elimination criteria) are not checked unless ``explain``; then ``blocked`` says what
    is still missing and ``perform`` would refuse with the same words.
    """
    if not can(user, "cases.complete_step", case):
        return []
    today = today or today_date()
    ctx = ActionContext(case=case, user=user, level=user_level(user), reason="", data={}, files=[], today=today)
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


def _explain(ctx: ActionContext, name: str, step_code: str) -> str | None:
    if name in ("complete_step", "approve_township", "approve_county") and step_code:
        return _precondition(ctx, ctx.steps[step_code])
    explain = EXPLAINS.get(name)
    return explain(ctx) if explain is not None else None


def perform(case: Case, action: str, user, *, reason: str = "", data: dict | None = None, files: Any = None,
            today: date | None = None, recorded_on: date | None = None, late_reason: str = "") -> Case:
    """Apply ``action`` to ``case`` for ``user`` in one transaction; return the updated case.

    ``recorded_on`` is the day the action is recorded (``today`` when given, else today); a
    caller replaying past days passes the day it plays. A date the user typed that is earlier
    (a step's ``done_on`` in ``data``, a measure's ``starts_on``) is a late entry (补录) and needs
    ``late_reason`` (also read from ``data["late_reason"]``, as the API sends it).
    Raises ``NotYourLevel`` or ``NotAllowedNow`` (or its kinds ``ReasonRequired``,
    ``InvalidData``) with a translated ``reason``; nothing is changed then.
    """
    if action not in ACTION_NAMES:
        raise InvalidData(_("Unknown action “%(action)s”.") % {"action": action})
    if not can(user, "cases.complete_step", case):
        raise NotYourLevel(_("Only village, township and county staff whose region holds the case may act on it."))
    today = recorded_on = recorded_on or today or today_date()
    reason = clean_reason(reason)
    data = dict(data or {})
    late_reason = clean_reason(late_reason or data.pop("late_reason", ""))
    files = _normalise_files(files)
    for _kind, f in files:
        _validate_upload(_kind, f)
    acting = acting_unless_known(user, "cases")
    with acting, transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
        ctx = ActionContext(case=locked, user=user, level=user_level(user), reason=reason, data=data,
                            files=files, today=today, recorded_on=recorded_on, late_reason=late_reason)
        ctx.load_procedure()
        _check(ctx, action)
        HANDLERS[action](ctx)
        region_codes = {locked.region_code}
        transaction.on_commit(lambda: data_changed.send(sender=Case, part="cases", region_codes=region_codes))
    case.refresh_from_db()
    return case


def cases_with_steps(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Prefetch what ``available_actions`` reads, so a list asks the database a fixed number of times."""
    return queryset.prefetch_related(
        Prefetch("procedures", queryset=Procedure.objects.order_by("id").prefetch_related(
            Prefetch("steps", queryset=Step.objects.select_related("done_by").order_by("order", "id")))),
        Prefetch("risk_types", queryset=RiskType.objects.select_related("parent")),
    )
