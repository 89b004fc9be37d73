"""Opening a case (policy.md §6.1): the household, its category and risks, and the identification it starts.

The case's status changes afterwards only through the procedure engine (:mod:`.engine`). Opening
is the procedure's work (it starts the identification), so it lives here rather than beside the
``Case`` model in ``shouwang.cases.casefiles``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import MAX_RISK_TYPES, Case, CaseSource, CaseStatus, Category
from shouwang.cases.catalogue.models import RiskType
from shouwang.core.audit import acting_unless_known
from shouwang.core.permissions import can
from shouwang.core.signals import data_changed

from .audit import record
from .context import user_level
from .deadlines import start_procedure, today_date
from .lateentry import recording_day, recording_moment
from .models import ProcedureKind
from .refusals import InvalidData, NotAllowedNow, NotYourLevel

OTHER_RISK = "QT"  # 其他: the risk type of a case whose signals suggest none


def risk_types_from(values: Iterable[Any]) -> list[RiskType]:
    """The active risk types named (by code or row): one to five, each once, in the order given."""
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
              warning=None, self_report=None, visit=None, disaster_note: str = "", today: date | None = None,
              escalating: bool = False, recorded_on: date | None = None) -> Case:
    """Open a case for ``household`` and start its identification (policy.md §6.1).

    A village cadre of the household's village, or an officer of its township, opens it. The
    category is checked against the household's type and income (``categories``); a warning
    it comes from is escalated in the same transaction, and so is the household's open warning
    when the case is opened without naming it (a household is either warned or monitored).
    ``escalating``: called by the warning's escalation itself (``case_for_warning``).
    ``recorded_on``: the day the case is opened (``today`` when given, else today); a caller
    replaying past days passes the day it plays, and the history is dated that day.
    """
    today = recorded_on = recorded_on or today or today_date()
    if not can(user, "cases.open_case", household.region_code):
        raise NotYourLevel(_("Cases are opened by a village cadre of the household's village or an officer of "
                             "its township."))
    if category not in Category.values:
        raise InvalidData(_("Unknown category “%(category)s”.") % {"category": category})
    if source not in CaseSource.values:
        raise InvalidData(_("Unknown source “%(source)s”.") % {"source": source})
    if first_clue_date is None or first_clue_date > today:
        raise InvalidData(_("The date of the first clue cannot be in the future."))
    types = risk_types_from(risk_types)
    from .categories import category_problems  # imported late on purpose

    unchecked: list[str] = []
    problems = [str(p) for p in category_problems(household, category, None, unchecked=unchecked)]
    if problems:
        raise NotAllowedNow(" ".join(problems))
    for obj, message in ((warning, _("The warning belongs to another household.")),
                         (self_report, _("The self-report belongs to another household.")),
                         (visit, _("The visit belongs to another household."))):
        if obj is not None and getattr(obj, "household_id", None) not in (None, household.pk):
            raise InvalidData(message)
    if warning is not None and not escalating and warning.status not in ("new", "verifying"):
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
        level = user_level(user) or ""
        record(case, user, level, "open", "", CaseStatus.IDENTIFYING, procedure=procedure, data={
            "category": category, "risk_types": [t.code for t in types], "source": source,
            "first_clue_date": first_clue_date.isoformat(), "warning": getattr(warning, "pk", None),
        } | ({"category_unchecked": " ".join(str(u) for u in unchecked)} if unchecked else {}),
            at=recording_moment(recorded_on))
        pending = warning if warning is not None else _open_warning_of(household)
        if pending is not None and not escalating:
            _escalate_warning(pending, user)
        region_codes = {case.region_code}
        transaction.on_commit(lambda: data_changed.send(sender=Case, part="cases", region_codes=region_codes))
    return case


def _escalate_warning(warning, user) -> None:
    from shouwang.monitoring.warnings import services as lifecycle

    try:
        if warning.status == "new":
            lifecycle.transition(warning, "verify", user, _("Verification under the case opened from it."))
        lifecycle.transition(warning, "escalate", user, _("A case was opened."))
    except (DjangoPermissionDenied, lifecycle.TransitionNotAllowed) as exc:
        # The warning moved meanwhile; the whole opening is rolled back.
        raise NotAllowedNow(_("The warning could not be escalated: %(error)s") % {"error": exc}) from exc


def _open_warning_of(household):
    from shouwang.monitoring.models import Warning, WarningStatus

    return Warning.objects.filter(household=household, status__in=WarningStatus.open()).first()


# What each source of a warning's signals is called on a case.
_SOURCES = {"rule": CaseSource.WARNING, "feed": CaseSource.WARNING, "self_report": CaseSource.SELF_REPORT,
            "visit": CaseSource.VISIT}


def signal_risk_codes(signals) -> list[str]:
    """The risk types the signals suggest, in order: a rule's suggested type, a self-report's, a visit's."""
    codes: list[str] = []
    for signal in signals:
        evidence = signal.evidence if isinstance(signal.evidence, dict) else {}
        if signal.rule_id and signal.rule is not None and signal.rule.risk_type:
            codes.append(signal.rule.risk_type)
        for report in evidence.get("self_reports") or []:
            if report.get("risk_type"):
                codes.append(report["risk_type"])
        for visit in evidence.get("visits") or []:
            codes.extend(visit.get("risk_types") or [])
    return list(dict.fromkeys(codes))


def case_for_warning(warning, user, now) -> Case:
    """The case an escalated warning goes to: the household's open case, or one opened now.

    Registered with ``monitoring.warnings.services.register_escalation``; runs inside the
    transaction that escalates the warning, so the warning never closes without its case. The
    new case takes the category the household's data suggest, the risk types its signals suggest
    (“other” where none does), the source of its first signal and that signal's date as the first
    clue. Where no case can be opened so (the category does not fit), the escalation is refused
    with the reason: the case form lets the cadre choose.
    """
    from shouwang.monitoring.warnings.services import TransitionNotAllowed

    from .categories import suggest_category

    existing = Case.objects.open().filter(household_id=warning.household_id).first()
    if existing is not None:
        return existing
    household = warning.household
    signals = list(warning.signals.select_related("rule").order_by("raised_on", "id"))
    active = set(RiskType.objects.filter(active=True).values_list("code", flat=True))
    codes = [code for code in signal_risk_codes(signals) if code in active][:MAX_RISK_TYPES] or [OTHER_RISK]
    category = suggest_category(household) or (
        Category.UNSTABLE_EX_POOR if household.household_type == "ex_poor" else Category.EDGE)
    today = recording_day(None, now)
    first = min((s.raised_on for s in signals), default=None) or timezone.localdate(warning.created_at)
    channel = signals[0].channel if signals else warning.channel
    try:
        return open_case(household, user, category=category, risk_types=codes,
                         source=_SOURCES.get(channel, CaseSource.WARNING), first_clue_date=min(first, today),
                         warning=warning, today=today, escalating=True)
    except (InvalidData, NotAllowedNow, NotYourLevel) as exc:
        raise TransitionNotAllowed(_("No case could be opened from this warning: %(error)s Open it from the case "
                                     "form to choose its category and risk types.") % {"error": exc}) from exc
