"""The warning lifecycle: who may move a warning, to where, and the record each move leaves.

``new`` → ``verifying`` (a cadre starts the home check) → ``dismissed`` (with a reason) or
``escalated`` (handed on to a case). Dismissing or escalating straight from ``new`` is refused:
the household has to be verified first (policy.md §6.1, step 1).

Who acts: village cadres and township officers whose region holds the warning. County
officers, leaders and auditors read; department data officers see nothing. A refusal says
which kind it is: ``PermissionDenied`` (not your role or region; HTTP 403) or
``TransitionNotAllowed`` (not from this status; HTTP 409); dismissing without a reason is
``ReasonRequired`` (HTTP 400). Callers find the warning through
``Warning.objects.restrict(user, "view")`` first, so one outside the user's region is a 404
and its existence is not revealed.

The status changes with one conditional UPDATE (``… WHERE id = … AND status = old``), so of two
cadres pressing a button at the same moment exactly one wins and the other is told the
status moved; the ``WarningTransition`` row and the change-log entry are written in the
same transaction.

Self-reports and cadre visits put a household in its village queue through ``raise_warning``
(screening writes its rule warnings in bulk, ``shouwang.monitoring.screening.services``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import can, home_region, require, restrict
from shouwang.core.signals import data_changed
from shouwang.regions.models import Region
from shouwang.registry.models import Household

from ..rules.facts import FACTS, format_value
from .models import (
    Warning,
    WarningChannel,
    WarningStatus,
    WarningTransition,
    overdue_condition,
    verification_due,
)
from .permissions import ACT_ON_WARNING

MAX_REASON = 2000


class TransitionNotAllowed(Exception):
    """The action does not apply to the warning's current status (HTTP 409)."""


class ReasonRequired(ValueError):
    """Dismissing needs a reason (HTTP 400: the request is incomplete, not in conflict)."""


@dataclass(frozen=True)
class Action:
    code: str
    label: Promise
    sources: tuple[str, ...]
    target: str
    reason_required: bool


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action("verify", gettext_lazy("Start verifying"), (WarningStatus.NEW,), WarningStatus.VERIFYING, False),
        Action("dismiss", gettext_lazy("Dismiss"), (WarningStatus.VERIFYING,), WarningStatus.DISMISSED, True),
        Action("escalate", gettext_lazy("Escalate to a case"), (WarningStatus.VERIFYING,), WarningStatus.ESCALATED,
               False),
    )
}


def today() -> date:
    """The date deadlines are compared with; tests replace it."""
    return timezone.localdate()


def available_actions(user, warning: Warning) -> list[Action]:
    """The actions this user may take on this warning now (the buttons a page shows)."""
    if not can(user, ACT_ON_WARNING.name, warning):
        return []
    return [a for a in ACTIONS.values() if warning.status in a.sources]


def transition(warning: Warning, action: str, user, reason: str = "", *, now=None) -> Warning:
    """Apply ``action`` to ``warning`` for ``user``.

    Raises ``PermissionDenied`` (role or region), ``TransitionNotAllowed`` (status) or
    ``ReasonRequired`` (dismissing without a reason).

    ``warning`` is updated in place to the new state.
    """
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionNotAllowed(_("Unknown action “%(action)s”.") % {"action": action})
    require(user, ACT_ON_WARNING.name, warning)
    reason = " ".join((reason or "").split())[:MAX_REASON]
    when = now or timezone.now()
    # Outside a request (a command, a test) the change log is still attributed to the actor.
    acting = acting_unless_known(user, "monitoring")
    with acting, transaction.atomic():
        current = Warning.objects.filter(pk=warning.pk).values_list("status", flat=True).first()
        if current not in spec.sources:
            raise TransitionNotAllowed(_not_from(spec, current))
        if spec.reason_required and not reason:
            raise ReasonRequired(_("A reason is required to dismiss a warning."))
        closing = spec.target not in WarningStatus.open()
        fields = {"status": spec.target, "updated_at": when}
        if closing:
            fields |= {"closed_at": when, "closed_by": user, "closing_note": reason}
        # Conditional on the status read above: a concurrent move makes this update 0 rows.
        if not Warning.objects.filter(pk=warning.pk, status=current).update(**fields):
            raise TransitionNotAllowed(_("The warning was changed by someone else; reload the page."))
        WarningTransition.objects.create(
            warning_id=warning.pk, from_status=current, to_status=spec.target, user=user,
            username=user.get_username(), at=when, reason=reason,
        )
        record_changes([Change(
            action="update", object_type="monitoring.warning", object_id=warning.pk,
            object_repr=_warning_repr(warning), region_code=warning.region_code,
            before={"status": current},
            after={"status": spec.target, "action": spec.code, "reason": reason},
        )])
        region_codes = {warning.region_code}
        transaction.on_commit(lambda: data_changed.send(sender=Warning, part="monitoring", region_codes=region_codes))
    warning.status = spec.target
    warning.updated_at = when
    if closing:
        warning.closed_at, warning.closed_by, warning.closing_note = when, user, reason
    return warning


def _not_from(spec: Action, current: str | None) -> str:
    label = WarningStatus(current).label if current in WarningStatus.values else current
    if spec.code == "verify":
        return _("Only a new warning can be taken up for verification; this one is “%(status)s”.") % {
            "status": label,
        }
    return _("A warning must be under verification before it is dismissed or escalated; this one is "
             "“%(status)s”.") % {"status": label}


def _warning_repr(warning: Warning) -> str:
    household = getattr(warning, "household", None)
    number = household.number if household is not None else warning.household_id
    code = warning.rule.code if warning.rule_id and warning.rule else warning.channel
    return f"{number} {code}"


# --- warnings from field work -----------------------------------------------------------------

_EVIDENCE_KEY: dict[str, str] = {WarningChannel.SELF_REPORT: "self_reports", WarningChannel.VISIT: "visits"}


def raise_warning(household: Household, channel: str, entry: dict, on: date | None = None) -> Warning:
    """Put a household in its village queue, or add ``entry`` to the open warning already there.

    One open warning per household and channel: a second report or visit while the first is
    being verified adds its evidence instead of a second item in the queue (screening does
    the same per rule). Call it inside a transaction: it locks the household row.
    """
    key = _EVIDENCE_KEY[channel]
    today = on or timezone.localdate()
    # Lock the household: two reports at once must not both find no warning and both add one.
    Household.objects.select_for_update().filter(pk=household.pk).values_list("pk", flat=True).first()
    existing = (
        Warning.objects.select_for_update()
        .filter(household=household, channel=channel, rule__isnull=True, status__in=WarningStatus.open())
        .order_by("id").first()
    )
    if existing is not None:
        evidence = dict(existing.evidence or {})
        evidence[key] = [*evidence.get(key, []), entry]
        existing.evidence = evidence
        existing.save(update_fields=["evidence", "updated_at"])
        return existing
    warning = Warning(
        household=household, year=today.year, channel=channel, status=WarningStatus.NEW,
        evidence={"channel": channel, key: [entry]}, due_date=verification_due(today),
    )
    warning.save()
    return warning


# --- queues and counts ------------------------------------------------------------------------


STATUS_FILTERS: dict[str, Promise] = {
    "open": gettext_lazy("Open (new or verifying)"),
    "overdue": gettext_lazy("Overdue"),
    WarningStatus.NEW: WarningStatus.NEW.label,
    WarningStatus.VERIFYING: WarningStatus.VERIFYING.label,
    WarningStatus.DISMISSED: WarningStatus.DISMISSED.label,
    WarningStatus.ESCALATED: WarningStatus.ESCALATED.label,
    "all": gettext_lazy("All"),
}


def filter_status(warnings: QuerySet[Warning], status: str, on: date) -> QuerySet[Warning]:
    """The queue's status filter: a status, ``open``, ``overdue`` or ``all``."""
    if status == "open":
        return warnings.filter(status__in=WarningStatus.open())
    if status == "overdue":
        return warnings.filter(overdue_condition(on))
    if status in WarningStatus.values:
        return warnings.filter(status=status)
    return warnings


def queue(user, on: date | None = None) -> QuerySet[Warning]:
    """The user's warnings, soonest deadline first, with ``is_overdue``; one query per page."""
    return (
        Warning.objects.restrict(user, "view").with_overdue(on or today())
        .select_related("household__village", "rule").order_by("due_date", "id")
    )


# Code length of the level below each scope: county (6) → townships (9) → villages (12).
_CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


@dataclass
class CountRow:
    code: str
    name: str
    new: int = 0
    verifying: int = 0
    overdue: int = 0
    dismissed: int = 0
    escalated: int = 0


def counts_by_area(user, on: date | None = None) -> tuple[list[CountRow], CountRow]:
    """Warnings per township for a county user (per village for a township), in one query.

    Every area of the scope has a row, zeros included, so a quiet township is visibly quiet.
    Returns the rows and their total.
    """
    on = on or today()
    home = home_region(user) or ""
    scoped = Warning.objects.restrict(user, "view")
    length = _CHILD_LENGTH.get(len(home), len(home) or 9)
    grouped = (
        scoped.order_by().annotate(area=Substr("region_code", 1, length)).values("area").annotate(
            new=Count("id", filter=Q(status=WarningStatus.NEW)),
            verifying=Count("id", filter=Q(status=WarningStatus.VERIFYING)),
            overdue=Count("id", filter=overdue_condition(on)),
            dismissed=Count("id", filter=Q(status=WarningStatus.DISMISSED)),
            escalated=Count("id", filter=Q(status=WarningStatus.ESCALATED)),
        )
    )
    counts = {row.pop("area"): row for row in grouped}
    areas: Iterable[Region] = restrict(
        user, Region.objects.annotate(code_length=Length("code")).filter(code_length=length), "view",
    ).only("code", "name")
    names = {r.code: r.name for r in areas}
    rows = [CountRow(code, names.get(code, code), **counts.get(code, {})) for code in sorted(set(names) | set(counts))]
    total = CountRow("", _("Total"))
    for row in rows:
        for name in ("new", "verifying", "overdue", "dismissed", "escalated"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return rows, total


# --- evidence, readable -----------------------------------------------------------------------


@dataclass
class EvidenceRow:
    name: str
    label: str
    value: str


@dataclass
class Evidence:
    """A warning's evidence as the page shows it: what raised it and each value that counted."""

    title: str
    rule_code: str = ""
    rule_version: int | None = None
    expression: str = ""
    facts: list[EvidenceRow] | None = None
    parameters: list[EvidenceRow] | None = None
    window: tuple[str, str] | None = None
    other: list[EvidenceRow] | None = None
    entries: list | None = None  # self-reports and visits (``fieldwork.EvidenceEntry``), with links


# Field work (self-reports and visits) words its own evidence entries, with links to its pages;
# warnings must not import it (fieldwork raises warnings), so it registers here from apps.py.
EvidenceEntries = Callable[[Warning], list]
_field_evidence: list[EvidenceEntries] = []


def register_field_evidence(entries: EvidenceEntries) -> EvidenceEntries:
    """Let field work turn a warning's stored reports and visits into entries for its pages."""
    if entries not in _field_evidence:
        _field_evidence.append(entries)
    return entries


# Keys never shown from free-form evidence (self-reports, visits): personal numbers stay masked.
_HIDDEN_KEYS = ("id_number", "phone", "id_index", "ciphertext")


def describe_evidence(warning: Warning) -> Evidence:
    """Turn the stored evidence into rows; works for rule warnings and for reports or visits."""
    data = warning.evidence if isinstance(warning.evidence, dict) else {}
    if warning.rule_id is not None and "facts" in data:
        rule = warning.rule
        facts = [
            EvidenceRow(name, str(FACTS[name].description) if name in FACTS else name, format_value(value, name))
            for name, value in (data.get("facts") or {}).items()
        ]
        parameters = [EvidenceRow(name, name, format_value(value)) for name, value in
                      (data.get("parameters") or {}).items()]
        window = data.get("window")
        return Evidence(
            title=rule.name if rule else data.get("rule", ""), rule_code=data.get("rule", getattr(rule, "code", "")),
            rule_version=data.get("rule_version", warning.rule_version), expression=data.get("expression", ""),
            facts=facts, parameters=parameters,
            window=(window[0], window[1]) if isinstance(window, list | tuple) and len(window) == 2 else None,
        )
    if ("self_reports" in data or "visits" in data) and _field_evidence:
        # Field-work warnings list their reports and visits; fieldwork knows how to word them.
        entries = [entry for describe in _field_evidence for entry in describe(warning)]
        return Evidence(title=str(warning.get_channel_display()), entries=entries)
    rows: list[EvidenceRow] = []
    for key, value in data.items():
        if any(hidden in key for hidden in _HIDDEN_KEYS) and not key.endswith("_masked"):
            continue
        if isinstance(value, dict):
            rows.extend(EvidenceRow(f"{key}.{k}", f"{key} · {k}".replace("_", " "), format_value(v))
                        for k, v in value.items() if not any(h in k for h in _HIDDEN_KEYS) or k.endswith("_masked"))
        else:
            rows.append(EvidenceRow(key, key.replace("_", " "), format_value(value)))
    return Evidence(title=str(warning.get_channel_display()), other=rows)


def public_evidence(value):
    """Evidence for the API: the same JSON without keys that could carry personal numbers."""
    if isinstance(value, dict):
        return {
            k: public_evidence(v) for k, v in value.items()
            if not (any(hidden in str(k) for hidden in _HIDDEN_KEYS) and not str(k).endswith("_masked"))
        }
    if isinstance(value, list):
        return [public_evidence(v) for v in value]
    return value
