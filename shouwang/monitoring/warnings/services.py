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

Every piece of evidence is a ``Signal`` (``add_signal``: self-reports, cadre visits; screening
writes its rule signals in bulk, ``shouwang.monitoring.screening.services``, and calls ``gather``).
A household has at most one open warning: the signals gather on it, or on its open case.
Escalating opens the case (or joins the open one) in the same transaction, through the handler
the cases part registers (``register_escalation``); dismissing closes each signal with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.bulk import column_defaults, column_of
from shouwang.core.permissions import can, home_region, require, restrict
from shouwang.core.signals import data_changed
from shouwang.regions.models import Region
from shouwang.registry.households.queries import head_name
from shouwang.registry.models import Household

from ..rules.facts import FACTS, format_value
from ..rules.models import Rule
from .models import (
    Signal,
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


def transition(warning: Warning, action: str, user, reason: str = "", *, reasons: dict[int, str] | None = None,
               now=None) -> Warning:
    """Apply ``action`` to ``warning`` for ``user``.

    Dismissing closes each open signal of the warning with its reason: ``reasons`` maps signal ids
    to reasons, and ``reason`` fills those left empty; every signal needs one. Escalating opens
    the household's case, or joins its open one, in the same transaction (the registered
    escalation handler), and the signals go on the case.

    Raises ``PermissionDenied`` (role or region), ``TransitionNotAllowed`` (status, or no case
    could be opened) or ``ReasonRequired`` (dismissing without a reason).

    ``warning`` is updated in place to the new state.
    """
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionNotAllowed(_("Unknown action “%(action)s”.") % {"action": action})
    require(user, ACT_ON_WARNING.name, warning)
    reason = _clean(reason)
    given = {int(pk): _clean(text) for pk, text in (reasons or {}).items()}
    when = now or timezone.now()
    # Outside a request (a command, a test) the change log is still attributed to the actor.
    acting = acting_unless_known(user, "monitoring")
    with acting, transaction.atomic():
        current = Warning.objects.filter(pk=warning.pk).values_list("status", flat=True).first()
        if current not in spec.sources:
            raise TransitionNotAllowed(_not_from(spec, current))
        per_signal: dict[int, str] = {}
        if spec.code == "dismiss":
            open_signals = list(Signal.objects.filter(warning_id=warning.pk, open=True).values_list("pk", flat=True))
            per_signal = {pk: given.get(pk) or reason for pk in open_signals}
            if not reason and (not per_signal or not all(per_signal.values())):
                raise ReasonRequired(_("A reason is required to dismiss a warning: one for each rule or source, "
                                       "or one for all."))
            if not reason:
                reason = "; ".join(dict.fromkeys(per_signal.values()))[:MAX_REASON]
        elif spec.reason_required and not reason:
            raise ReasonRequired(_("A reason is required to dismiss a warning."))
        closing = spec.target not in WarningStatus.open()
        fields = {"status": spec.target, "updated_at": when}
        if closing:
            fields |= {"closed_at": when, "closed_by": user, "closing_note": reason}
        # Conditional on the status read above: a concurrent move makes this update 0 rows.
        if not Warning.objects.filter(pk=warning.pk, status=current).update(**fields):
            raise TransitionNotAllowed(_("The warning was changed by someone else; reload the page."))
        after: dict[str, Any] = {"status": spec.target, "action": spec.code, "reason": reason}
        if spec.code == "dismiss":
            by_reason: dict[str, list[int]] = {}
            for pk, text in per_signal.items():
                by_reason.setdefault(text, []).append(pk)
            for text, pks in by_reason.items():  # one UPDATE per distinct reason (usually one)
                Signal.objects.filter(pk__in=pks).update(open=False, dismissal_reason=text, updated_at=when)
            after["reasons"] = {str(pk): text for pk, text in per_signal.items()}
        elif spec.code == "escalate":
            if not _escalations:
                raise TransitionNotAllowed(_("No case can be opened from this warning here."))
            warning.status = spec.target
            try:
                case = _escalations[0](warning, user, when)
            except BaseException:
                warning.status = current  # rolled back with the transaction
                raise
            Signal.objects.filter(warning_id=warning.pk, open=True).update(case_id=case.pk, updated_at=when)
            after["case"] = case.pk
        WarningTransition.objects.create(
            warning_id=warning.pk, from_status=current, to_status=spec.target, user=user,
            username=user.get_username(), at=when, reason=reason,
        )
        record_changes([Change(
            action="update", object_type="monitoring.warning", object_id=warning.pk,
            object_repr=_warning_repr(warning), region_code=warning.region_code,
            before={"status": current}, after=after,
        )])
        region_codes = {warning.region_code}
        transaction.on_commit(lambda: data_changed.send(sender=Warning, part="monitoring", region_codes=region_codes))
    warning.status = spec.target
    warning.updated_at = when
    if closing:
        warning.closed_at, warning.closed_by, warning.closing_note = when, user, reason
    return warning


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_REASON]


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


# --- signals: what gathers on a household's one open warning or its case ------------------------

# The cases part says which households have an open case, without monitoring importing it: a
# lookup gets household ids (a list, or a queryset of them) and returns {household id: case id}.
CaseLookup = Callable[[Iterable[int]], dict[int, int]]
_case_lookups: list[CaseLookup] = []
# … and opens the case a warning is escalated to (or finds the household's open one): called as
# ``escalate(warning, user, now)`` inside the transaction that escalates the warning, it returns
# the case (anything with a ``pk``) or raises ``TransitionNotAllowed`` with the reason.
Escalation = Callable[[Warning, Any, datetime], Any]
_escalations: list[Escalation] = []


def register_case_lookup(lookup: CaseLookup) -> CaseLookup:
    if lookup not in _case_lookups:
        _case_lookups.append(lookup)
    return lookup


def register_escalation(escalate: Escalation) -> Escalation:
    """The one handler that turns an escalated warning into a case (a later registration replaces it)."""
    _escalations[:] = [escalate]
    return escalate


def open_cases_of(household_ids: Iterable[int]) -> dict[int, int]:
    """{household id: open case id} for those of ``household_ids`` under monitoring."""
    found: dict[int, int] = {}
    for lookup in _case_lookups:
        found.update(lookup(household_ids))
    return found


def _pending() -> QuerySet[Signal]:
    """Signals not yet on a warning or a case: those this transaction has just added."""
    return Signal.objects.filter(open=True, warning__isnull=True, case_id__isnull=True)


def gather(on: date | None = None) -> int:
    """Put every signal not yet placed where its household is dealt with; returns the households
    newly warned.

    In order: on the household's open case (``register_case_lookup``), else on its open warning
    (whose deadline stays), else on a warning opened for it now, one per household, due
    ``verification_due(on)``, carrying its first signal's rule, channel and evidence. Set-based:
    a few statements whatever the number of signals (screening adds a county's at once).
    """
    today = on or timezone.localdate()
    pending = _pending()
    cases = open_cases_of(pending.values_list("household_id", flat=True).distinct())
    if cases:
        _set_case_ids(cases)
    _join_open_warnings()
    created = _open_warnings(today)
    if created:
        _join_open_warnings()
    return created


def _join_open_warnings() -> int:
    open_warning = Warning.objects.filter(
        household_id=OuterRef("household_id"), status__in=WarningStatus.open(),
    ).order_by().values("pk")[:1]
    return _pending().filter(Exists(open_warning)).update(warning_id=Subquery(open_warning))


def _set_case_ids(cases: dict[int, int]) -> None:
    """One UPDATE of the pending signals of the households in ``cases`` (the pairs as one parameter)."""
    connection = connections[Signal.objects.db]
    q = connection.ops.quote_name
    table = q(Signal._meta.db_table)
    if connection.vendor == "postgresql":
        pairs = "unnest(%s::bigint[], %s::bigint[]) AS v(household_id, case_id)"
        params: list = [list(cases), list(cases.values())]
    else:
        pairs = ("(SELECT json_extract(value, '$[0]') AS household_id, json_extract(value, '$[1]') AS case_id "
                 "FROM json_each(%s)) AS v")
        params = [json.dumps([[h, c] for h, c in cases.items()])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {q('case_id')} = v.case_id FROM {pairs} "
            f"WHERE {table}.{q('household_id')} = v.household_id AND {table}.{q('open')} "
            f"AND {table}.{q('warning_id')} IS NULL AND {table}.{q('case_id')} IS NULL",
            params,
        )


def _open_warnings(today: date) -> int:
    """One new warning per household with pending signals (from its first one); the count written.

    ``INSERT … SELECT``; a household that got an open warning meanwhile (another transaction) is
    skipped by the one-open-warning index and joins it afterwards.
    """
    connection = connections[Warning.objects.db]
    q = connection.ops.quote_name
    copied = ("household_id", "region_code", "rule_id", "rule_version", "year", "channel", "evidence")
    given = {"status": WarningStatus.NEW.value,
             "due_date": Warning._meta.get_field("due_date").get_db_prep_save(verification_due(today), connection)}
    if today < timezone.localdate():
        # Signals gathered on an earlier day (a replayed history) open their warning on that day,
        # so monthly counts date it where it happened.
        opened = timezone.make_aware(datetime.combine(today, datetime.min.time()).replace(hour=9))
        given["created_at"] = Warning._meta.get_field("created_at").get_db_prep_save(opened, connection)
        given["updated_at"] = Warning._meta.get_field("updated_at").get_db_prep_save(opened, connection)
    constants = given | column_defaults(Warning, [*copied, *given], connection)
    columns = ", ".join(q(column_of(Warning._meta.get_field(name))) for name in (*copied, *constants))
    signals = q(Signal._meta.db_table)
    first = _pending().order_by().values("household_id").annotate(first=Min("id")).values("first")
    first_sql, first_params = first.query.sql_with_params()
    postgres = connection.vendor == "postgresql"
    sql = (
        f"INSERT {'' if postgres else 'OR IGNORE '}INTO {q(Warning._meta.db_table)} ({columns}) "
        f"SELECT {', '.join('s.' + q(name) for name in copied)}{', %s' * len(constants)} "
        f"FROM {signals} s WHERE s.{q('id')} IN ({first_sql}) "
        # Ids in the order of the signals, not of the table's physical layout: the same signals
        # open the same warnings in the same order on every database.
        f"ORDER BY s.{q('id')}"
        + (" ON CONFLICT DO NOTHING" if postgres else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants.values(), *first_params])
        return max(cursor.rowcount, 0)


def add_signal(household: Household, channel: str, evidence: dict, *, rule: Rule | None = None,
               on: date | None = None) -> Signal:
    """Record one piece of evidence about ``household`` and put it where the household is dealt with.

    On its open case if it has one, else on its open warning (the deadline stays), else on a
    new warning. A rule whose signal is still open adds nothing: that signal is returned.
    Self-reports, visits and feeds call it; screening writes its signals in bulk and gathers them
    the same way (:func:`gather`).
    """
    today = on or timezone.localdate()
    with transaction.atomic():
        # Lock the household: two reports at once must not both open a warning.
        Household.objects.select_for_update().filter(pk=household.pk).values_list("pk", flat=True).first()
        if rule is not None:
            existing = Signal.objects.filter(household=household, rule=rule, open=True).first()
            if existing is not None:
                return existing
        signal = Signal(household=household, region_code=household.region_code, year=today.year,
                        channel=channel, rule=rule, rule_version=getattr(rule, "version", None),
                        evidence=evidence, raised_on=today)
        signal.save()
        gather(today)
        signal.refresh_from_db(fields=["warning", "case_id"])
        region_codes = {household.region_code}
        transaction.on_commit(lambda: data_changed.send(sender=Warning, part="monitoring", region_codes=region_codes))
    return signal


def raise_signals(households: QuerySet, channel: str, evidence: dict, *, year: int, on: date | None = None) -> int:
    """One open signal of ``channel`` with ``evidence`` for each household of ``households`` (a
    queryset of household ids) that has none open with the same evidence yet, gathered on the
    household's open case, open warning or a new one; returns the signals added.

    For parts above monitoring that find households to look at in sets (policy gaps): one
    ``INSERT … SELECT`` whatever their number, and running it again adds nothing.
    """
    today = on or timezone.localdate()
    connection = connections[Signal.objects.db]
    q = connection.ops.quote_name
    evidence_field = Signal._meta.get_field("evidence")
    already = Signal.objects.filter(household_id=OuterRef("pk"), open=True, channel=channel, evidence=evidence)
    chosen = (Household.objects.filter(pk__in=households).exclude(Exists(already))
              .order_by("pk").values_list("pk", "region_code"))
    sql, params = chosen.query.sql_with_params()
    given = {"year": year, "channel": channel, "raised_on": today,
             "evidence": evidence_field.get_db_prep_save(evidence, connection), "open": True}
    fields = {f.name: f for f in Signal._meta.concrete_fields}
    prepared = {name: (value if name == "evidence" else fields[name].get_db_prep_save(value, connection))
                for name, value in given.items()}
    constants = prepared | column_defaults(Signal, ["household", "region_code", *prepared], connection)
    columns = ", ".join(q(column_of(Signal._meta.get_field(name))) for name in ("household", "region_code",
                                                                                  *constants))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {q(Signal._meta.db_table)} ({columns}) "
                f"SELECT c.*{', %s' * len(constants)} FROM ({sql}) c",
                [*constants.values(), *params],
            )
            added = max(cursor.rowcount, 0)
        if added:
            gather(today)
            transaction.on_commit(lambda: data_changed.send(sender=Warning, part="monitoring", region_codes=None))
    return added


def field_evidence(channel: str, entry: dict) -> dict:
    """The evidence of a self-report or visit signal: ``{"channel": …, "self_reports"|"visits": [entry]}``."""
    return {"channel": channel, _EVIDENCE_KEY[channel]: [entry]}


_EVIDENCE_KEY: dict[str, str] = {WarningChannel.SELF_REPORT: "self_reports", WarningChannel.VISIT: "visits"}


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
    """The user's warnings, soonest deadline first, with ``is_overdue`` and the household head's
    ``head_name``; one query per page."""
    return (
        Warning.objects.restrict(user, "view").with_overdue(on or today())
        .select_related("household__village", "rule").annotate(head_name=head_name("household"))
        .order_by("due_date", "id")
        # Every rule and source gathered on each warning: one query more per page.
        .prefetch_related(Prefetch("signals",
                                   queryset=Signal.objects.select_related("rule").order_by("raised_on", "id")))
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
    """Households with warnings per township for a county user (per village for a township), by
    status, in one query.

    Every area of the scope has a row, zeros included, so a quiet township is visibly quiet.
    Returns the rows and their total.
    """
    on = on or today()
    home = home_region(user) or ""
    scoped = Warning.objects.restrict(user, "view")
    length = _CHILD_LENGTH.get(len(home), len(home) or 9)
    grouped = (
        # Households: one open warning each; a household whose warnings were dismissed twice counts once.
        scoped.order_by().annotate(area=Substr("region_code", 1, length)).values("area").annotate(
            new=Count("household_id", distinct=True, filter=Q(status=WarningStatus.NEW)),
            verifying=Count("household_id", distinct=True, filter=Q(status=WarningStatus.VERIFYING)),
            overdue=Count("household_id", distinct=True, filter=overdue_condition(on)),
            dismissed=Count("household_id", distinct=True, filter=Q(status=WarningStatus.DISMISSED)),
            escalated=Count("household_id", distinct=True, filter=Q(status=WarningStatus.ESCALATED)),
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
EvidenceEntries = Callable[[Warning | Signal], list]
_field_evidence: list[EvidenceEntries] = []


def register_field_evidence(entries: EvidenceEntries) -> EvidenceEntries:
    """Let field work turn a warning's stored reports and visits into entries for its pages."""
    if entries not in _field_evidence:
        _field_evidence.append(entries)
    return entries


# Keys never shown from free-form evidence (self-reports, visits): personal numbers stay masked.
_HIDDEN_KEYS = ("id_number", "phone", "id_index", "ciphertext")


@dataclass
class SignalEvidence:
    """One signal of a warning or a case as a page shows it: what it is and its evidence."""

    signal: Signal | None  # None: a warning from before signals, shown from its own evidence
    evidence: Evidence


def signal_evidence(warning: Warning) -> list[SignalEvidence]:
    """Every signal gathered on the warning, oldest first, each with its evidence in rows."""
    signals = list(warning.signals.all())  # prefetched by ``queue``
    if not signals:
        return [SignalEvidence(None, describe_evidence(warning))]
    return [SignalEvidence(signal, describe_evidence(signal)) for signal in signals]


def signal_labels(warning: Warning) -> list[str]:
    """The rules and sources of a warning's signals, each once, for the queue's “why” column."""
    labels = [signal.rule.name if signal.rule_id and signal.rule else str(signal.get_channel_display())
              for signal in warning.signals.all()]
    if not labels:
        labels = [warning.rule.name if warning.rule_id and warning.rule else str(warning.get_channel_display())]
    return list(dict.fromkeys(labels))


def describe_evidence(warning: Warning | Signal) -> Evidence:
    """Turn the stored evidence of a warning or one of its signals into rows; works for rules and
    for reports or visits."""
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
