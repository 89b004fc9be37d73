"""The risk-elimination criteria of policy.md §6.2, evaluated on one case, and the refusals.

All four criteria must hold before a risk is marked eliminated (风险消除), whichever the mode
(帮扶消除 or 自然消除). Each is measured from what the registry and the feeds hold:

``income_stable`` — income stably above the current year's line (收入稳定超过当年监测范围),
    "in principle not less than half a year". The registry keeps income per year, so stability
    is measured as: (1) the household's latest income record (a year not after today's) has a
    per-capita net income at or above the line in force for today's year, and (2) at least
    ``ProcedureSettings.elimination_stable_months`` (default 6) whole months have passed since
    the case was identified, i.e. the raised income has held through that long under
    assistance. A sharp fall since then is a screening warning, which ``no_new_risk`` catches.
``guarantees`` — 三保障 and drinking water secured: in the latest income record no
    compulsory-education dropout, no member without basic medical insurance (the record's flag
    and every member's own ``medical_insured``), housing appraised grade A or B, water secured.
``rigid_spending`` — large rigid spending (medical, schooling) resolved: on the latest record,
    neither the ADJUSTED_INCOME_BELOW_LINE screening rule (income after compliant out-of-pocket
    spending below the line) nor the MEDICAL_SPENDING rule (out-of-pocket medical spending
    reported by the medical-insurance feed in the 12 months to today) holds, each evaluated with
    its current expression and parameters against the line in force.
``no_new_risk`` — no open warning (new or being verified) on the household: a lead still
    unresolved is a possible new risk. A monitored household's new screening, feed, self-report
    or visit signals go on its case instead (``Signal.case_id``): they are counted here, since the
    last measure began, for the review to weigh, and do not fail the criterion by themselves.

The figures are screening's facts of the latest record (``monitoring.rules.household``), the feed
window ending today. The line in force is ``monitoring.lines.models.line_in_force`` for today's
year; a year without a line fails the criteria that need it, with a detail naming the year and
where to set the line (or carry the previous year's forward), never another year's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shouwang.cases.assistance.models import MeasureStatus
from shouwang.cases.casefiles.models import Case, EliminationMode
from shouwang.cases.casefiles.screening import new_signals
from shouwang.cases.procedure.categories import (
    ADJUSTED_BELOW_LINE,
    MEDICAL_SPENDING,
    POSITION_FACTS,
    SPENDING_FACTS,
    adjusted_income_problem,
    below_line,
    income_record,
    line_label,
    medical_spending_problem,
    yuan,
)
from shouwang.cases.procedure.models import ProcedureSettings
from shouwang.monitoring.lines.models import line_in_force
from shouwang.monitoring.lines.services import no_line_message
from shouwang.monitoring.models import MonitoringLine, Warning, WarningStatus
from shouwang.monitoring.rules.household import HouseholdYearFacts, household_year_facts
from shouwang.registry.models import HouseholdYear, HousingGrade, Labour

SAFE_HOUSING = (HousingGrade.A, HousingGrade.B)
IMPLEMENTED = (MeasureStatus.ACTIVE, MeasureStatus.DONE)  # 已实施


@dataclass(frozen=True)
class Criterion:
    """One elimination criterion and whether it holds, with the figures behind the answer."""

    code: str
    label: str
    holds: bool
    detail: str


LABELS: dict[str, Promise] = {
    "income_stable": gettext_lazy("Income stably above the monitoring line"),
    "guarantees": gettext_lazy("Compulsory education, basic medical care, safe housing and drinking water secured"),
    "rigid_spending": gettext_lazy("Large rigid spending resolved"),
    "no_new_risk": gettext_lazy("No new risk"),
}


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (15 March → 14 September is 5, → 15 September 6)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


@dataclass(frozen=True)
class _Facts:
    """What the criteria read, loaded once per evaluation."""

    case: Case
    today: date
    record: HouseholdYear | None  # the latest income record of a year not after today's
    line: MonitoringLine | None  # the line in force for today's year
    facts: HouseholdYearFacts | None  # screening's facts of the record, against ``line``, window ending today

    @classmethod
    def load(cls, case: Case, today: date) -> _Facts:
        record = income_record(case.household, up_to=today.year)
        line = line_in_force(case.region_code, today)
        facts = None if record is None else household_year_facts(
            case.household_id, record.year, on=today, line=line, names=(*POSITION_FACTS, *SPENDING_FACTS),
            rules=(ADJUSTED_BELOW_LINE, MEDICAL_SPENDING),
        )
        return cls(case=case, today=today, record=record, line=line, facts=facts)


def _income_stable(facts: _Facts) -> Criterion:
    case, today, record, line, judged = facts.case, facts.today, facts.record, facts.line, facts.facts
    stable_months = ProcedureSettings.for_region(case.region_code).elimination_stable_months
    label = str(LABELS["income_stable"])
    if record is None or judged is None or judged["per_capita_income"] is None:
        return Criterion("income_stable", label, False, _("The household has no income record with members counted."))
    if line is None:
        return Criterion("income_stable", label, False, no_line_message(today.year))
    income = judged["per_capita_income"]
    if below_line(income, judged["line"]):
        return Criterion("income_stable", label, False, _(
            "Per-capita net income in %(year)s is %(income)s yuan, below the line of %(line)s."
        ) % {"year": record.year, "income": yuan(income), "line": line_label(line)})
    if case.identified_on is None:
        return Criterion("income_stable", label, False, _(
            "Per-capita net income in %(year)s is %(income)s yuan, above the line of %(line)s, but the case has "
            "not been identified, so no stable period can be counted."
        ) % {"year": record.year, "income": yuan(income), "line": line_label(line)})
    months = months_between(case.identified_on, today)
    figures = {"year": record.year, "income": yuan(income), "line": line_label(line),
               "months": months, "needed": stable_months, "identified": case.identified_on.isoformat()}
    if months < stable_months:
        return Criterion("income_stable", label, False, _(
            "Per-capita net income in %(year)s is %(income)s yuan, above the line of %(line)s, but only %(months)s "
            "months have passed since identification on %(identified)s; income must be stable for %(needed)s."
        ) % figures)
    return Criterion("income_stable", label, True, _(
        "Per-capita net income in %(year)s is %(income)s yuan, above the line of %(line)s, and %(months)s months "
        "have passed since identification on %(identified)s (at least %(needed)s needed)."
    ) % figures)


def _guarantees(facts: _Facts) -> Criterion:
    household, record = facts.case.household, facts.record
    label = str(LABELS["guarantees"])
    if record is None:
        return Criterion("guarantees", label, False, _(
            "The household has no yearly record of guarantees, housing and water."))
    gaps: list[str] = []
    if record.dropout:
        gaps.append(_("a child has dropped out of compulsory education"))
    uninsured = [m.name for m in household.members.all() if not m.medical_insured]
    if uninsured:
        gaps.append(_("members without basic medical insurance: %(names)s") % {"names": ", ".join(uninsured)})
    elif record.uninsured_member:
        gaps.append(_("a member has no basic medical insurance"))
    if not record.housing_grade:
        gaps.append(_("the housing has not been appraised"))
    elif record.housing_grade not in SAFE_HOUSING:
        gaps.append(_("the housing is grade %(grade)s") % {"grade": record.housing_grade})
    if not record.water_secured:
        gaps.append(_("drinking water is not secured"))
    if gaps:
        return Criterion("guarantees", label, False, _("In %(year)s: %(gaps)s.") % {
            "year": record.year, "gaps": "; ".join(gaps)})
    return Criterion("guarantees", label, True, _(
        "In %(year)s: no dropout, every member insured, housing grade %(grade)s, drinking water secured."
    ) % {"year": record.year, "grade": record.housing_grade})


def _rigid_spending(facts: _Facts) -> Criterion:
    today, record, line, judged = facts.today, facts.record, facts.line, facts.facts
    label = str(LABELS["rigid_spending"])
    problems: list[str] = []
    if record is None or judged is None:
        problems.append(_("The household has no income record to weigh its spending against."))
    else:
        if line is None:
            problems.append(no_line_message(today.year))
        else:
            adjusted = adjusted_income_problem(judged, line_label(line), year=record.year)
            if adjusted:
                problems.append(adjusted)
        medical = medical_spending_problem(judged)
        if medical:
            problems.append(medical)
    if problems:
        return Criterion("rigid_spending", label, False, " ".join(problems))
    return Criterion("rigid_spending", label, True, _(
        "Compliant out-of-pocket spending of %(spent)s yuan in %(year)s leaves per-capita income above the line, "
        "and no large medical spending was reported in the 12 months to %(today)s."
    ) % {"spent": yuan(record.compliant_out_of_pocket), "year": record.year, "today": today.isoformat()})


def _no_new_risk(facts: _Facts) -> Criterion:
    case = facts.case
    label = str(LABELS["no_new_risk"])
    open_warnings = list(
        Warning.objects.filter(household_id=case.household_id, status__in=WarningStatus.open())
        .select_related("rule").order_by("created_at")
    )
    if open_warnings:
        names = [w.rule.name if w.rule else w.get_channel_display() for w in open_warnings]
        return Criterion("no_new_risk", label, False, ngettext(
            "The household has %(count)s open warning: %(names)s.",
            "The household has %(count)s open warnings: %(names)s.", len(open_warnings),
        ) % {"count": len(open_warnings), "names": ", ".join(str(n) for n in names)})
    # Signals that came in on the case are evidence for this review, shown with their count; they
    # never block the elimination by themselves (the other criteria judge the household's figures).
    signals, since = new_signals(case)
    if signals:
        names = dict.fromkeys(str(s.rule.name if s.rule_id and s.rule else s.get_channel_display()) for s in signals)
        return Criterion("no_new_risk", label, True, ngettext(
            "The household has no open warning; %(count)s new risk signal came in on the case since %(since)s "
            "(%(names)s): weigh it in this review.",
            "The household has no open warning; %(count)s new risk signals came in on the case since %(since)s "
            "(%(names)s): weigh them in this review.", len(signals),
        ) % {"count": len(signals), "since": since.isoformat() if since else "—", "names": ", ".join(names)})
    return Criterion("no_new_risk", label, True, _("The household has no open warning."))


CRITERIA = (_income_stable, _guarantees, _rigid_spending, _no_new_risk)


def evaluate(case: Case, today: date | None = None) -> list[Criterion]:
    """The four criteria of §6.2 on the case, in the policy's order."""
    facts = _Facts.load(case, today or timezone.localdate())
    return [check(facts) for check in CRITERIA]


def has_labour(case: Case) -> bool:
    """Some member can work, and the household is not marked as having no labour capacity."""
    household = case.household
    if household.no_labour:
        return False
    return household.members.filter(labour__in=Labour.able()).exists()


def elimination_refusals(case: Case, mode: str, today: date | None = None) -> list[str]:
    """Why the risk may not be marked eliminated in ``mode`` now; [] when nothing stands against it.

    Beyond the failing criteria (the same for both modes): a whole household without labour
    capacity stays monitored with the safety-net flag (§6.2, "do not mark them eliminated for
    now"); assistance elimination is refused in the month of identification and the next (the
    当月及次月 checker rule) and without any development measure implemented (已实施) where
    the household has labour.
    """
    today = today or timezone.localdate()
    refusals = [f"{c.label}: {c.detail}" for c in evaluate(case, today) if not c.holds]
    labour = has_labour(case)
    if not labour:
        refusals.append(_(
            "The whole household has no labour capacity: after social-protection measures it stays monitored "
            "with the safety-net flag and is not marked eliminated."
        ))
    if mode == EliminationMode.ASSISTANCE:
        if case.identified_on is not None:
            gap = (today.year - case.identified_on.year) * 12 + today.month - case.identified_on.month
            if gap <= 1:
                refusals.append(_(
                    "Elimination through assistance is not allowed in the month of identification (%(month)s) or "
                    "the month after."
                ) % {"month": case.identified_on.strftime("%Y-%m")})
        if labour and not case.measures.filter(measure_type__is_development=True, status__in=IMPLEMENTED).exists():
            refusals.append(_(
                "Elimination through assistance needs an industry or employment measure in place for a household "
                "with labour capacity; none is."
            ))
    elif mode != EliminationMode.NATURAL:
        refusals.append(_("Unknown elimination mode “%(mode)s”.") % {"mode": mode})
    return refusals
