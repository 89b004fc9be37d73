"""Risk-elimination actions on a case: starting an elimination, rolling it back, identifying again.

Elimination starts only when ``criteria.elimination_refusals`` has nothing against it, and the
county approval checks it again; approval sets ELIMINATED with the date and mode. Rollback
(风险消除回退, county) turns an eliminated case back to MONITORED; re-identification (风险再标注,
village) opens a new identification procedure on the same case with the new risks. The case's
earlier dates, risks and mode are kept in the transitions' data. The procedure engine
(``shouwang.cases.procedure.engine``) runs these actions inside its transaction; they are registered
with it in ``shouwang.cases.casework.wiring``.
"""

from __future__ import annotations

from datetime import date

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case, CaseStatus, Category, EliminationMode
from shouwang.cases.procedure.audit import record
from shouwang.cases.procedure.context import ActionContext, close_procedure, require_permitted, set_case
from shouwang.cases.procedure.deadlines import start_procedure
from shouwang.cases.procedure.models import ProcedureKind, ProcedureStatus
from shouwang.cases.procedure.opening import risk_types_from
from shouwang.cases.procedure.refusals import InvalidData, NotAllowedNow, ReasonRequired


def refusal_reasons(case: Case, mode: str, today: date) -> list[str]:
    """What the elimination criteria hold against eliminating ``case`` in ``mode`` today (translated)."""
    from .criteria import elimination_refusals  # imported late on purpose

    return [str(r) for r in elimination_refusals(case, mode, today)]


# --- checks (the engine runs them before the action and to offer its button) ---------------

def check_start_elimination(ctx: ActionContext) -> None:
    case = ctx.case
    require_permitted(ctx, "cases.start_elimination")
    if case.status != CaseStatus.MONITORED:
        raise NotAllowedNow(_("Risk elimination starts from a monitored case; this one is “%(status)s”.") % {
            "status": case.get_status_display()})
    if ctx.procedure is not None:
        raise NotAllowedNow(_("Another procedure is still under way on this case."))


def check_rollback(ctx: ActionContext) -> None:
    require_permitted(ctx, "cases.rollback_elimination")
    if ctx.case.status != CaseStatus.ELIMINATED:
        raise NotAllowedNow(_("Only a case whose risk was eliminated can be rolled back."))


def check_reidentify(ctx: ActionContext) -> None:
    require_permitted(ctx, "cases.reidentify")
    if ctx.case.status != CaseStatus.ELIMINATED:
        raise NotAllowedNow(_("Only a case whose risk was eliminated is identified again for a new risk."))
    if ctx.procedure is not None:
        raise NotAllowedNow(_("The elimination is still being announced and filed; finish it first."))


# --- the actions ----------------------------------------------------------------------------

def start_elimination(ctx: ActionContext) -> None:
    mode = ctx.data.get("mode", "")
    if mode not in EliminationMode.values:
        raise InvalidData(_("Choose the elimination mode: through assistance or natural."))
    refusals = refusal_reasons(ctx.case, mode, ctx.today)
    if refusals:
        raise NotAllowedNow(" ".join(refusals))
    before = ctx.case.status
    procedure = start_procedure(ctx.case, ProcedureKind.ELIMINATION, today=ctx.today, mode=mode)
    set_case(ctx.case, status=CaseStatus.ELIMINATING)
    record(ctx.case, ctx.user, ctx.level, "start_elimination", before, CaseStatus.ELIMINATING, procedure=procedure,
           reason=ctx.reason, data={"mode": mode}, files=ctx.files, at=ctx.moment)


def rollback(ctx: ActionContext) -> None:
    if not ctx.reason:
        raise ReasonRequired(_("A reason is required to roll back an elimination."))
    case = ctx.case
    data = {"eliminated_on": case.eliminated_on.isoformat() if case.eliminated_on else None,
            "mode": case.elimination_mode}
    if ctx.procedure is not None:  # still being announced or filed
        close_procedure(ctx, ProcedureStatus.WITHDRAWN)
    set_case(case, status=CaseStatus.MONITORED, eliminated_on=None, elimination_mode="")
    record(case, ctx.user, ctx.level, "rollback_elimination", CaseStatus.ELIMINATED, CaseStatus.MONITORED,
           procedure=ctx.procedure, reason=ctx.reason, data=data, files=ctx.files, at=ctx.moment)


def reidentify(ctx: ActionContext) -> None:
    case = ctx.case
    types = risk_types_from(ctx.data.get("risk_types") or [])
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
    set_case(case, status=CaseStatus.IDENTIFYING, first_clue_date=clue, category=category, identified_on=None,
             eliminated_on=None, elimination_mode="", green_channel=False)
    case.risk_types.set(types)
    procedure = start_procedure(case, ProcedureKind.IDENTIFICATION, today=ctx.today)
    record(case, ctx.user, ctx.level, "reidentify", CaseStatus.ELIMINATED, CaseStatus.IDENTIFYING,
           procedure=procedure, reason=ctx.reason, data=history, files=ctx.files, at=ctx.moment)
