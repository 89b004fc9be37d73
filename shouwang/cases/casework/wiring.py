"""How the features plug into the procedure engine and the case's page (``CasesConfig.ready`` runs ``connect``).

The engine (``shouwang.cases.procedure.engine``) and the case page (``shouwang.cases.procedure.casepage``)
sit below the features that add to them, so they import none of them. Each feature's own code
stays in its package; this module only names it to the engine and the page:

* the actions of assistance (a measure, a contact) and of elimination (starting one, rolling it
  back, identifying again), each with its check;
* what a step needs from another feature before it completes: a valid notice for the notice step
  (``notices``), the elimination criteria for the county's approval of an elimination
  (``elimination``), and what filing an identification sets for elimination (the safety-net flag
  of a household without labour);
* the sections of the case's page: the elimination criteria, the consistency problems, the risk
  signals that came in on the case and the form that shows a contact's full numbers.

A new action is declared in ``procedure.declarations`` (its name and label), written in its
feature's ``services.py`` and registered here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shouwang.cases.assistance import services as assistance
from shouwang.cases.assistance.forms import UnmaskForm
from shouwang.cases.casefiles.joint import JointIdentificationForm
from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.cases.casefiles.permissions import RECORD_JOINT_IDENTIFICATION
from shouwang.cases.casefiles.screening import case_signals, is_new, signals_since
from shouwang.cases.consistency.rules import problems_for
from shouwang.cases.elimination import criteria
from shouwang.cases.elimination import services as elimination
from shouwang.cases.notices.services import notice_problem
from shouwang.cases.procedure import casepage, engine
from shouwang.cases.procedure.context import ActionContext
from shouwang.cases.procedure.models import ProcedureKind, StepCode
from shouwang.core.permissions import can
from shouwang.monitoring.lines.terms import term_in_force
from shouwang.registry.households.layers import household_layers


def connect() -> None:
    """Register every feature's actions, step checks and page sections; running it again changes nothing."""
    engine.register_action("add_measure", assistance.check_add_measure, assistance.add_measure)
    engine.register_action("add_contact", assistance.check_add_contact, assistance.add_contact)
    engine.register_action("start_elimination", elimination.check_start_elimination, elimination.start_elimination,
                           explain=_elimination_refused_in_mode)
    engine.register_action("rollback_elimination", elimination.check_rollback, elimination.rollback)
    engine.register_action("reidentify", elimination.check_reidentify, elimination.reidentify)
    engine.register_step_check(StepCode.NOTICE, _notice_problem)
    engine.register_step_check(StepCode.COUNTY, _elimination_refused, kind=ProcedureKind.ELIMINATION)
    engine.register_step_effect(ProcedureKind.IDENTIFICATION, StepCode.FILE, _safety_net_flag)
    casepage.register_section("criteria", _criteria_section)
    casepage.register_section("problems", _problems_section)
    casepage.register_section("unmask_form", _unmask_section)
    casepage.register_section("risk_signals", _signals_section)
    casepage.register_section("mechanism", _mechanism_section)


# --- the procedure engine ----------------------------------------------------------------------


def _notice_problem(ctx: ActionContext) -> str | None:
    """The notice step completes only when a valid notice has ended."""
    if ctx.procedure is None:  # a step always belongs to the open procedure
        return None
    return notice_problem(ctx.case, ctx.procedure, ctx.today)


def _elimination_refused(ctx: ActionContext) -> str | None:
    """The county approves an elimination only when the criteria still hold for its mode."""
    if ctx.procedure is None:  # a step always belongs to the open procedure
        return None
    return " ".join(elimination.refusal_reasons(ctx.case, ctx.procedure.elimination_mode, ctx.today)) or None


def _elimination_refused_in_mode(ctx: ActionContext) -> str | None:
    """Why the button that starts an elimination in the offered mode cannot be used yet."""
    return " ".join(elimination.refusal_reasons(ctx.case, ctx.data.get("mode", ""), ctx.today)) or None


def _safety_net_flag(ctx: ActionContext) -> dict[str, Any]:
    """Filed without labour capacity: the case stays monitored under the safety net (policy.md §6.2)."""
    return {} if criteria.has_labour(ctx.case) else {"no_labour_safety_net": True}


# --- the case's page ---------------------------------------------------------------------------


def _criteria_section(request: HttpRequest, case: Case, context: dict[str, Any]) -> dict[str, Any]:
    shown = case.status in (CaseStatus.MONITORED, CaseStatus.ELIMINATING)
    return {"criteria": criteria.evaluate(case, context["today"]) if shown else []}


def _problems_section(request: HttpRequest, case: Case, context: dict[str, Any]) -> dict[str, Any]:
    return {"problems": problems_for(case, context["today"])}


def _signals_section(request: HttpRequest, case: Case, context: dict[str, Any]) -> dict[str, Any]:
    """The risk signals that came in on the case (a monitored household gets no new warning)."""
    signals, since = list(case_signals(case)), signals_since(case)
    new = sum(is_new(signal, since) for signal in signals)
    return {"risk_signals": signals, "new_signal_count": new, "new_signals_since": since}


def _unmask_section(request: HttpRequest, case: Case, context: dict[str, Any]) -> dict[str, Any]:
    offered = can(request.user, "cases.unmask_contact", case) and not context["clear"] and context["contacts"]
    return {"unmask_form": UnmaskForm() if offered else None}


def _mechanism_section(request: HttpRequest, case: Case, context: dict[str, Any]) -> dict[str, Any]:
    """The term of the case's year in the county, and the joint identification with its form."""
    year = (case.identified_on or case.first_clue_date).year
    offered = can(request.user, RECORD_JOINT_IDENTIFICATION.name, case)
    form = JointIdentificationForm(initial={"layer": case.assistance_layer,
                                            "identified_on": case.assistance_identified_on}) if offered else None
    layers = [row for row in household_layers(case.household) if row["current"]]
    return {"population_term": term_in_force(year, case.region_code), "joint_form": form,
            "household_current_layers": layers}
