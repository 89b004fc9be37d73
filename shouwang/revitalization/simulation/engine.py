"""What a draft would do: the households and people that enter and leave monitoring and each policy.

Monitoring under the draft is screening's own query (``screening.engine.flagged_rows``: the active
rules compiled as screening compiles them, the facts annotated as screening annotates them) run
with the draft's lines (``FactContext.lines``) and the draft's rules, and nothing is written. A
policy under the draft is its eligibility (``policies.eligibility.eligible``) with the draft's rule.

Each side (in force, draft) is a set of subjects, a household or a member, with its village and
its people. The two sets are compared in ONE statement in the database::

    both sides (UNION ALL, side 1 = draft, 2 = in force) → GROUP BY subject: SUM(side)
    1 = enters, 2 = leaves, 3 = stays → GROUP BY village, side: households, people

so what comes back is a row per village and side, and a page of subjects for the list; no
household passes through Python. A household is in monitoring when some active rule fires for it
(what screening flags); people are the household's members counted for the year
(``HouseholdYear.member_count``); a person policy's people are its eligible members.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import F, IntegerField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shouwang.monitoring.lines.models import LINE_CODE_LENGTHS, LineBook, MonitoringLine
from shouwang.monitoring.rules.compiler import CompiledRule, RuleError, check_parameters, compile_expression
from shouwang.monitoring.rules.facts import FactContext, household_facts
from shouwang.monitoring.rules.models import Rule
from shouwang.monitoring.rules.standards import rules_for_year, standards_of_year
from shouwang.monitoring.screening.engine import _parallel_workers, _parts, _run_parts, base_queryset, flagged_rows
from shouwang.registry.models import HouseholdYear

from ..policies.eligibility import eligible
from ..policies.facts import registry as policy_facts
from ..policies.models import Policy, Subject

MONITORING = "monitoring"
ENTER, LEAVE, STAY = 1, 2, 3  # SUM(side) of a subject: draft only, in force only, both
SIDES = {"enter": ENTER, "leave": LEAVE}
# The columns every side's rows are given, whatever the query beneath (the diff names them).
KEY, MEMBER, REGION, PEOPLE = "sim_household", "sim_member", "sim_region", "sim_people"


class SimulationError(ValueError):
    """A draft that cannot be simulated: which change (``field``) and why."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message
        super().__init__(message)


# --- the draft ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    region_code: str
    amount: Decimal


@dataclass(frozen=True)
class RuleChange:
    rule_id: int
    expression: str
    parameters: dict
    active: bool = True


@dataclass(frozen=True)
class PolicyChange:
    policy_id: int
    expression: str | None = None
    parameters: dict | None = None
    amount: Decimal | None = None


@dataclass
class Draft:
    """The changes of a scenario for a county and a year (``Scenario.changes`` read and checked)."""

    year: int
    region: str
    lines: list[LineChange] = field(default_factory=list)
    rules: list[RuleChange] = field(default_factory=list)
    policies: list[PolicyChange] = field(default_factory=list)

    @classmethod
    def from_changes(cls, year: int, region: str, changes: Mapping | None) -> Draft:
        """Read ``changes`` (the JSON of a scenario); raise ``SimulationError`` for a malformed one."""
        changes = changes or {}
        if not isinstance(changes, Mapping):
            raise SimulationError("changes", _("The changes must be an object."))
        draft = cls(year=int(year), region=region)
        for item in _items(changes, "lines"):
            code = str(item.get("region_code", ""))
            if len(code) not in LINE_CODE_LENGTHS or (code and not code.isdigit()):
                raise SimulationError("lines", _("A line belongs to a county (6 digits) or a wider region."))
            draft.lines.append(LineChange(code, _amount(item.get("amount"), "lines", required=True)))
        for item in _items(changes, "rules"):
            draft.rules.append(RuleChange(_id(item.get("rule"), "rules"), str(item.get("expression") or ""),
                                          _parameters(item.get("parameters"), "rules"),
                                          bool(item.get("active", True))))
        for item in _items(changes, "policies"):
            expression = item.get("expression")
            draft.policies.append(PolicyChange(
                _id(item.get("policy"), "policies"), None if expression in (None, "") else str(expression),
                None if item.get("parameters") is None else _parameters(item.get("parameters"), "policies"),
                _amount(item.get("amount"), "policies", required=False),
            ))
        return draft

    @property
    def empty(self) -> bool:
        return not (self.lines or self.rules or self.policies)


def _items(changes: Mapping, key: str) -> list[Mapping]:
    items = changes.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise SimulationError(key, _("The changes of %(part)s must be a list of objects.") % {"part": key})
    return items


def _amount(value, field_name: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise SimulationError(field_name, _("An amount is required."))
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise SimulationError(field_name, _("“%(value)s” is not an amount.") % {"value": value}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e9"):
        raise SimulationError(field_name, _("“%(value)s” is not an amount.") % {"value": value})
    return amount


def _id(value, field_name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SimulationError(field_name, _("A change names what it changes.")) from None


def _parameters(value, field_name: str) -> dict:
    value = value or {}
    try:
        check_parameters(value)
    except RuleError as exc:
        raise SimulationError(field_name, str(exc)) from None
    return dict(value)


# --- lines and rules of the draft -----------------------------------------------------------------


def draft_lines(year: int, changes: list[LineChange]) -> list[MonitoringLine]:
    """The year's lines with the draft's amounts (unsaved rows), in the order screening tries them.

    A changed line is the year's own line for its region (no longer carried forward, as on the
    line page); a region without a line gets one.
    """
    lines = {line.region_code: line for line in MonitoringLine.objects.filter(year=year)}
    for change in changes:
        lines[change.region_code] = MonitoringLine(year=year, region_code=change.region_code, amount=change.amount)
    return LineBook(lines.values()).of_year(year)


def rules_in_force(year: int, region: str) -> dict[int, CompiledRule]:
    """The rules screening runs for ``year`` in ``region`` (the county's identification standard of the
    year where it has one, else the active rules), compiled as screening compiles them."""
    return rules_for_year(year, region)[1]


def draft_rules(year: int, region: str, changes: list[RuleChange]) -> dict[int, CompiledRule]:
    """The rules screening would run under the draft: those in force, with the draft's changes.

    Where the county has an identification standard for the year, its rules run whether active or
    not (``rules_for_year``), so a change of ``active`` does not add or remove one there; elsewhere
    the active rules run. A rule in force that no longer compiles stays out, as screening leaves it
    out; a changed rule that does not compile is the draft's error.
    """
    compiled = dict(rules_in_force(year, region))
    if not changes:
        return compiled
    by_id = {change.rule_id: change for change in changes}
    rules = {rule.pk: rule for rule in Rule.objects.filter(pk__in=list(by_id))}
    if set(by_id) - set(rules):
        raise SimulationError("rules", _("The rule changed by the draft does not exist."))
    standard = any(region.startswith(code) for code in standards_of_year(year, region))
    for rule_id, change in by_id.items():
        runs = rule_id in compiled if standard else change.active
        compiled.pop(rule_id, None)
        if not runs:
            continue
        try:
            compiled[rule_id] = compile_expression(change.expression, change.parameters)
        except RuleError as exc:
            raise SimulationError("rules", _("Rule %(code)s: %(error)s") % {"code": rules[rule_id].code,
                                                                            "error": exc}) from None
    return compiled


def _facts(*rule_sets: dict[int, CompiledRule]) -> list[str]:
    names: list[str] = []
    for compiled in rule_sets:
        for rule in compiled.values():
            names.extend(name for name in rule.facts if name not in names)
    return names


# --- the two sides and their difference -----------------------------------------------------------


def _monitored(compiled: dict[int, CompiledRule], ctx: FactContext, base: QuerySet) -> QuerySet:
    """The households screening flags under ``compiled`` and ``ctx.lines``, as the diff's columns."""
    if not compiled:
        rows = base.filter(pk__isnull=True)  # nothing fires (an empty IN () cannot be written as SQL)
    else:
        rows = flagged_rows(compiled, ctx, base)
    return _columns(rows, F("member_count"), member=Value(0, output_field=IntegerField()))


def _columns(rows: QuerySet, people, member) -> QuerySet:
    return rows.annotate(**{KEY: F("household_id"), MEMBER: member, REGION: F("region_code"),
                            PEOPLE: people}).values_list(KEY, MEMBER, REGION, PEOPLE)


def _eligible(policy: Policy, year: int, region: str, change: PolicyChange | None, using: str,
              lines: list[MonitoringLine] | None = None) -> QuerySet:
    """A policy's eligible subjects (in force, or under the draft's rule and lines), as the diff's columns."""
    expression = change.expression if change and change.expression is not None else None
    parameters = change.parameters if change and change.parameters is not None else None
    rows = eligible(policy, year, region, expression=expression, parameters=parameters, using=using, lines=lines)
    if policy.subject == Subject.PERSON:
        return _columns(rows, Value(1, output_field=IntegerField()),
                        member=Coalesce(F("member_id"), Value(0), output_field=IntegerField()))
    return _columns(rows, F("member_count"), member=Value(0, output_field=IntegerField()))


def _sql(rows: QuerySet) -> tuple[str, list]:
    """The query's SQL; a query Django knows to be empty (a policy not in force) as a SELECT of no row."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return f"SELECT 0 AS {KEY}, 0 AS {MEMBER}, '' AS {REGION}, 0 AS {PEOPLE} WHERE 1 = 0", []
    return sql, list(params)


def _diff_sql(draft: QuerySet, in_force: QuerySet) -> tuple[str, list]:
    """Each subject of either side once: (household, member, village, people, side sum)."""
    draft_sql, draft_params = _sql(draft)
    force_sql, force_params = _sql(in_force)
    columns = f"{KEY}, {MEMBER}, {REGION}, {PEOPLE}"
    sql = (
        f"SELECT {KEY} AS household_id, {MEMBER} AS member_id, MIN({REGION}) AS region_code, "
        f"MIN({PEOPLE}) AS people, SUM(side) AS side FROM ("
        f"SELECT {columns}, 1 AS side FROM ({draft_sql}) d "
        f"UNION ALL SELECT {columns}, 2 AS side FROM ({force_sql}) f"
        f") u GROUP BY {KEY}, {MEMBER}"
    )
    return sql, [*draft_params, *force_params]


@contextmanager
def _reading(facts: list[str], ctx: FactContext, region: str, using: str) -> Iterator:
    """One transaction with the per-household aggregates the facts read; PostgreSQL without JIT
    (as screening: compiling the wide expression takes longer than running it)."""
    connection = connections[using]
    with (transaction.atomic(using=using), household_facts(facts, ctx, region, using=using),
          connection.cursor() as cursor):
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        yield cursor


# --- the outcome ----------------------------------------------------------------------------------


@dataclass
class Counts:
    households: int = 0
    people: int = 0

    def add(self, households: int, people: int) -> None:
        self.households += households
        self.people += people

    def as_dict(self) -> dict:
        return {"households": self.households, "people": self.people}


@dataclass
class Section:
    """Monitoring or one policy: before (in force), after (draft), who enters, who leaves, by village."""

    key: str
    label: str
    subject: str = Subject.HOUSEHOLD
    amount_before: Decimal | None = None
    amount_after: Decimal | None = None
    changed: bool = True
    before: Counts = field(default_factory=Counts)
    after: Counts = field(default_factory=Counts)
    enter: Counts = field(default_factory=Counts)
    leave: Counts = field(default_factory=Counts)
    villages: dict[str, dict[str, Counts]] = field(default_factory=dict)

    def merge(self, other: Section) -> None:
        """Add the counts of ``other`` (the same section over other households)."""
        for name in ("before", "after", "enter", "leave"):
            getattr(self, name).add(getattr(other, name).households, getattr(other, name).people)
        for code, sides in other.villages.items():
            mine = self.villages.setdefault(code, {name: Counts() for name in sides})
            for name, counts in sides.items():
                mine[name].add(counts.households, counts.people)

    def _count_for_cost(self, counts: Counts) -> int:
        return counts.people if self.subject == Subject.PERSON else counts.households

    def cost(self, which: str) -> Decimal | None:
        """The yearly cost: people (person policy) or households × the amount, before or after."""
        amount = self.amount_before if which == "before" else self.amount_after
        if amount is None:
            return None
        return self._count_for_cost(self.before if which == "before" else self.after) * amount

    def as_dict(self) -> dict:
        cost_before, cost_after = self.cost("before"), self.cost("after")
        return {
            "key": self.key, "label": self.label, "subject": str(self.subject), "changed": self.changed,
            "amount_before": _money(self.amount_before), "amount_after": _money(self.amount_after),
            "before": self.before.as_dict(), "after": self.after.as_dict(),
            "enter": self.enter.as_dict(), "leave": self.leave.as_dict(),
            "cost_before": _money(cost_before), "cost_after": _money(cost_after),
            "cost_change": _money(cost_after - (cost_before or 0)) if cost_after is not None else None,
            "villages": {code: {name: counts.as_dict() for name, counts in sides.items()}
                         for code, sides in sorted(self.villages.items())},
        }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass
class Outcome:
    year: int
    region: str
    sections: list[Section] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"year": self.year, "region": self.region, "seconds": round(self.seconds, 3),
                "sections": [section.as_dict() for section in self.sections]}


def _count(cursor, sql: str, params: list, section: Section) -> None:
    """Run the diff and fill ``section``: per village and side, households (distinct) and people."""
    cursor.execute(
        f"SELECT region_code, side, COUNT(DISTINCT household_id), SUM(people) FROM ({sql}) s "
        "GROUP BY region_code, side", params)
    for code, side, households, people in cursor.fetchall():
        households, people = int(households or 0), int(people or 0)
        sides = section.villages.setdefault(code, {"before": Counts(), "after": Counts(), "enter": Counts(),
                                                   "leave": Counts()})
        if side in (ENTER, STAY):
            section.after.add(households, people)
            sides["after"].add(households, people)
        if side in (LEAVE, STAY):
            section.before.add(households, people)
            sides["before"].add(households, people)
        if side == ENTER:
            section.enter.add(households, people)
            sides["enter"].add(households, people)
        elif side == LEAVE:
            section.leave.add(households, people)
            sides["leave"].add(households, people)


# --- running ----------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What a run compares: the rules and contexts of both sides and the policies to count."""

    ctx: FactContext
    draft_ctx: FactContext
    rules_in_force: dict[int, CompiledRule]
    rules_draft: dict[int, CompiledRule]
    monitoring_changed: bool
    policies: list[tuple[Policy, PolicyChange | None]]

    @property
    def lines(self) -> list[MonitoringLine] | None:
        """The draft's lines where it changes them (for the policies' eligibility), else None."""
        return self.draft_ctx.lines if self.draft_ctx is not self.ctx else None


def _plan(draft: Draft) -> _Plan:
    ctx = FactContext.for_year(draft.year)
    draft_ctx = replace(ctx, lines=draft_lines(draft.year, draft.lines)) if draft.lines else ctx
    in_force = rules_in_force(draft.year, draft.region)
    rules = draft_rules(draft.year, draft.region, draft.rules) if draft.rules else in_force
    changes = {change.policy_id: change for change in draft.policies}
    county = draft.region[:6]
    found = {p.pk: p for p in Policy.objects.filter(pk__in=list(changes), region_code__startswith=county)}
    if set(changes) - set(found):
        raise SimulationError("policies", _("A policy changed by the draft is not one of the county's."))
    policies: list[tuple[Policy, PolicyChange | None]] = []
    for policy_id, change in changes.items():
        policy = found[policy_id]
        if change.expression is not None or change.parameters is not None:
            try:
                compile_expression_for(policy, change)
            except RuleError as exc:
                raise SimulationError("policies", _("Policy %(code)s: %(error)s") % {
                    "code": policy.code, "error": exc}) from None
        policies.append((policy, change))
    if draft.lines:
        # A new line changes who is eligible for the policies whose eligibility names the line.
        for policy in Policy.objects.filter(region_code__startswith=county, active=True).exclude(
                pk__in=list(changes)).order_by("code"):
            if policy.in_force(draft.year) and _uses_line(policy):
                policies.append((policy, None))
    return _Plan(ctx, draft_ctx, in_force, rules, bool(draft.lines or draft.rules), policies)


def _uses_line(policy: Policy) -> bool:
    try:
        return "line" in compile_expression(policy.expression, policy.parameters or {},
                                            facts=policy_facts(policy.subject)).facts
    except RuleError:
        return False


def compile_expression_for(policy: Policy, change: PolicyChange) -> None:
    """Check a policy's draft rule the way its eligibility compiles it (raises ``RuleError``)."""
    from ..policies.eligibility import check

    parameters = change.parameters if change.parameters is not None else (policy.parameters or {})
    errors = check(change.expression or policy.expression, parameters, policy.subject)
    if errors:
        raise RuleError("; ".join(errors))


def simulate(draft: Draft, region: str | None = None, using: str = "default") -> Outcome:
    """Count what the draft changes, within ``region`` (a code prefix inside the draft's county)."""
    import time

    started = time.perf_counter()
    region = draft.region if region is None else region
    plan = _plan(draft)
    outcome = Outcome(draft.year, region)
    monitoring = Section(MONITORING, _("Monitoring (households screening flags)"), changed=plan.monitoring_changed)
    outcome.sections.append(monitoring)
    _count_monitoring(plan, draft.year, region, using, monitoring)
    with _reading([], plan.ctx, region, using) as cursor:
        for policy, change in plan.policies:
            section = Section(
                f"policy:{policy.pk}", f"{policy.code} {policy.name}", subject=policy.subject,
                amount_before=policy.amount,
                amount_after=change.amount if change and change.amount is not None else policy.amount,
            )
            sql, params = _diff_sql(_eligible(policy, draft.year, region, change, using, plan.lines),
                                    _eligible(policy, draft.year, region, None, using))
            _count(cursor, sql, params, section)
            outcome.sections.append(section)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _count_monitoring(plan: _Plan, year: int, region: str, using: str, section: Section) -> None:
    """The monitoring diff; a large county split by household id across connections, as screening
    splits its run (``SHOUWANG_SCREENING_WORKERS``; never inside a transaction): the parts hold
    different households, so their counts add up."""
    base = base_queryset(year, region).using(using)
    facts = _facts(plan.rules_in_force, plan.rules_draft)
    rows = HouseholdYear.objects.using(using).filter(year=year, region_code__startswith=region).count()
    parts = _parts(base, _parallel_workers(base, rows))

    def work(ctx: FactContext) -> Section:
        found = Section(section.key, section.label)
        draft_ctx = replace(plan.draft_ctx, households=ctx.households)
        with _reading(facts, ctx, region, using) as cursor:
            sql, params = _diff_sql(_monitored(plan.rules_draft, draft_ctx, base),
                                    _monitored(plan.rules_in_force, ctx, base))
            _count(cursor, sql, params, found)
        return found

    found = [work(plan.ctx)] if len(parts) == 1 else _run_parts(base, plan.ctx, parts, work)
    for part in found:
        section.merge(part)


@dataclass
class Row:
    household_id: int
    member_id: int | None
    region_code: str
    people: int
    side: str  # "enter" or "leave"


def changed_subjects(draft: Draft, key: str, side: str, region: str | None = None, *, offset: int = 0,
                     limit: int = 50, using: str = "default") -> tuple[list[Row], int]:
    """One page of the subjects that enter (``side`` "enter") or leave ("leave") monitoring (``key``
    "monitoring") or a policy (``key`` "policy:<id>"), by household; and how many there are."""
    region = draft.region if region is None else region
    plan = _plan(draft)
    wanted = SIDES[side]
    with _reading(_facts(plan.rules_in_force, plan.rules_draft), plan.ctx, region, using) as cursor:
        if key == MONITORING:
            base = base_queryset(draft.year, region).using(using)
            sql, params = _diff_sql(_monitored(plan.rules_draft, plan.draft_ctx, base),
                                    _monitored(plan.rules_in_force, plan.ctx, base))
        else:
            chosen = [(p, c) for p, c in plan.policies if f"policy:{p.pk}" == key]
            if not chosen:
                return [], 0
            policy, change = chosen[0]
            sql, params = _diff_sql(_eligible(policy, draft.year, region, change, using, plan.lines),
                                    _eligible(policy, draft.year, region, None, using))
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) s WHERE side = %s", [*params, wanted])
        total = int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT household_id, member_id, region_code, people FROM ({sql}) s WHERE side = %s "
            "ORDER BY household_id, member_id LIMIT %s OFFSET %s", [*params, wanted, limit, offset])
        rows = [Row(h, m or None, code, int(people or 0), side) for h, m, code, people in cursor.fetchall()]
    return rows, total
