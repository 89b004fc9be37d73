"""Department screening (部门筛查预警): run every active rule over a year's households.

All active rules are evaluated in one SQL query inside the database: the facts they use
are annotated onto the year's ``HouseholdYear`` rows, each rule becomes one boolean column,
and only rows where some rule is true come back. Each fired rule then becomes a ``Warning``
carrying its evidence, unless the household already has an open warning for that rule;
so screening twice changes nothing. Warnings are written in bulk (``core.bulk.insert_rows``).

The verification deadline is ``SHOUWANG_WARNING_VERIFY_DAYS`` working days (Monday to
Friday, default 5) after the warning is raised. Public holidays and the adjusted working
weekends of the Chinese calendar are not modelled yet: a deadline may fall on a holiday.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import Case, F, Max, Q, QuerySet, Value, When
from django.db.models.lookups import Exact
from django.db.models.sql.constants import MULTI
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shouwang.core.audit import Change, record_changes
from shouwang.core.bulk import insert_rows
from shouwang.core.signals import data_changed
from shouwang.registry.models import Household, HouseholdYear

from .facts import FACTS, FLAG, NUMBER, FactContext, NoIndex, annotate_facts, fact_alias, household_facts
from .models import Rule, Warning, WarningChannel, WarningStatus
from .rules import CompiledRule, RuleError, compile_expression

DEFAULT_VERIFY_DAYS = 5
SCREENING_LOCK = 0x5357_4D4F  # PostgreSQL advisory lock key of screening runs ("SWMO")
WARNING_COLUMNS = ("household_id", "region_code", "rule_id", "rule_version", "year", "status", "channel", "due_date",
                   "evidence")

# Other parts (the cases app) may say that a household/rule pair is already being dealt with,
# without monitoring importing them: each provider gets the screened HouseholdYear queryset and
# returns (household_id, rule_id) pairs that must not get a new warning.
SuppressionProvider = Callable[[QuerySet], Iterable[tuple[int, int]]]
_suppression_providers: list[SuppressionProvider] = []


def register_suppression_provider(provider: SuppressionProvider) -> SuppressionProvider:
    if provider not in _suppression_providers:
        _suppression_providers.append(provider)
    return provider


def verify_days() -> int:
    return int(getattr(settings, "SHOUWANG_WARNING_VERIFY_DAYS", DEFAULT_VERIFY_DAYS))


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Mon–Fri) after ``start``; holidays are not known."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@dataclass
class ScreeningResult:
    year: int | None
    region: str
    window_start: date | None
    window_end: date | None
    households: int = 0
    warnings_created: int = 0
    warnings_unchanged: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """The ``screen --json`` shape."""
        return {
            "households": self.households,
            "warnings_created": self.warnings_created,
            "warnings_unchanged": self.warnings_unchanged,
            "per_rule": self.per_rule,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Hit:
    """One household-year where at least one rule is true."""

    household_id: int
    region_code: str
    rules: tuple[int, ...]
    facts: dict[str, object]


def latest_year(region: str = "") -> int | None:
    qs = HouseholdYear.objects.all()
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.aggregate(y=Max("year"))["y"]


def base_queryset(year: int, region: str = "") -> QuerySet:
    """The year's household rows to screen, optionally within a region (code prefix)."""
    qs = HouseholdYear.objects.all()
    if len(region) > 6:  # a township or a village: few rows, the index helps
        qs = qs.filter(year=year, region_code__startswith=region)
    else:
        # Screening reads most of a year's rows: by the (year, region) index SQLite would fetch
        # every row by its id, about eight times slower than reading the table in order.
        qs = qs.filter(Exact(NoIndex(F("year")), year))
        if region:
            qs = qs.filter(region_code__startswith=region)
    return qs.order_by()


def evaluate(compiled: dict[int, CompiledRule], ctx: FactContext, base: QuerySet, region: str = "",
             rows: int | None = None) -> list[Hit]:
    """Evaluate the rules in ONE query; return the rows where any rule fired and the facts used.

    ``region`` (the code prefix ``base`` is limited to) keeps the per-household aggregates to it.
    ``rows`` (how many rows ``base`` holds, when the caller knows) decides whether a large run
    is split in two halves by household id, each evaluated on its own connection at the same
    time: SQLite runs a query on one core, and so does PostgreSQL once the query reads a
    temporary table; a county of a million households takes twice as long on one as on two.
    """
    if not compiled:
        return []
    facts: list[str] = []
    for rule in compiled.values():
        facts.extend(name for name in rule.facts if name not in facts)
    workers = _parallel_workers(base, rows)
    if workers < 2:
        return _evaluate_part(compiled, facts, ctx, base, region)
    top = Household.objects.using(base.db).aggregate(top=Max("pk"))["top"] or 0
    bounds = [top * i // workers + (1 if i else 0) for i in range(workers)] + [top + 1]
    parts = [(bounds[i], bounds[i + 1]) for i in range(workers)]

    def run(part: tuple[int, int]) -> list[Hit]:
        try:
            return _evaluate_part(compiled, facts, ctx, base, region, part)
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="screening") as pool:
        return [hit for part_hits in pool.map(run, parts) for hit in part_hits]


def _parallel_workers(base: QuerySet, rows: int | None) -> int:
    """How many connections to evaluate on: 2 or more only for a large run (a SQLite file or PostgreSQL).

    Other connections see only committed rows, so never inside a transaction (tests, a caller
    that has written and not committed), and never for an in-memory database.
    """
    connection = connections[base.db]
    wanted = int(getattr(settings, "SHOUWANG_SCREENING_WORKERS", min(2, os.cpu_count() or 1)))
    threshold = int(getattr(settings, "SHOUWANG_SCREENING_PARALLEL_ROWS", 200_000))
    if (wanted < 2 or connection.vendor not in ("sqlite", "postgresql") or connection.in_atomic_block
            or rows is None or rows < threshold
            or (connection.vendor == "sqlite" and connection.is_in_memory_db())):
        return 1
    return wanted


def _evaluate_part(compiled: dict[int, CompiledRule], facts: list[str], ctx: FactContext, base: QuerySet,
                   region: str, households: tuple[int, int] | None = None) -> list[Hit]:
    """One query over ``base`` (or the households whose id is in ``[first, end)``)."""
    flags = {
        f"rule_{rule_id}": Case(When(rule.condition, then=Value(True)), default=Value(False),
                                output_field=models.BooleanField())
        for rule_id, rule in compiled.items()
    }
    if households:
        base = base.filter(household_id__gte=households[0], household_id__lt=households[1])
    qs = annotate_facts(base, facts, ctx).annotate(**flags)
    qs = qs.filter(reduce(or_, (rule.condition for rule in compiled.values())))
    columns = ["household_id", "region_code", *flags, *(fact_alias(name) for name in facts)]
    # Rows are read raw (no per-value converters): the flags are only tested for truth and the
    # facts become JSON numbers anyway, which is most of the Python time on a large county.
    compiler = qs.values_list(*columns).query.get_compiler(using=qs.db)
    hits = []
    postgresql = connections[qs.db].vendor == "postgresql"
    with (transaction.atomic(using=qs.db) if postgresql else contextlib.nullcontext(),
          household_facts(facts, ctx, region, using=qs.db, households=households)):
        if postgresql:
            # PostgreSQL would JIT-compile this wide expression for seconds, longer than it runs.
            with connections[qs.db].cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=5000)
        position = {alias: i for i, (_, _, alias) in enumerate(compiler.select)}
        at = [position[name] for name in columns]
        rule_at = list(zip(compiled, at[2:2 + len(flags)], strict=True))
        fact_at = list(zip(facts, at[2 + len(flags):], strict=True))
        for chunk in chunks:
            for row in chunk:
                fired = tuple(rule_id for rule_id, i in rule_at if row[i])
                hits.append(Hit(row[at[0]], row[at[1]], fired, {name: row[i] for name, i in fact_at}))
    return hits


def _json_value(value, type_: str):
    """Evidence is JSON: flags become booleans, numbers plain numbers (whole ones as integers)."""
    if value is None:
        return None
    if type_ == FLAG:
        return bool(value)
    if type_ == NUMBER:
        if isinstance(value, Decimal):
            value = value.quantize(Decimal("0.000001")).normalize()
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, float):
            value = round(value, 6)
            return int(value) if value.is_integer() else value
    return value


def compile_active_rules(result: ScreeningResult | None = None) -> tuple[list[Rule], dict[int, CompiledRule]]:
    """Active rules and their compiled form; a rule that no longer compiles is skipped with a note."""
    rules, compiled = [], {}
    for rule in Rule.objects.filter(active=True).order_by("code"):
        try:
            compiled[rule.pk] = compile_expression(rule.expression, rule.parameters)
            rules.append(rule)
        except RuleError as exc:
            if result is not None:
                result.notes.append(_("Rule %(code)s was skipped: %(error)s") % {"code": rule.code, "error": exc})
    return rules, compiled


def _line_notes(result: ScreeningResult, ctx: FactContext, base: QuerySet, rules: list[Rule],
                compiled: dict[int, CompiledRule]) -> None:
    using = [r.code for r in rules if compiled[r.pk].uses_line]
    if not using:
        return
    if not ctx.lines:
        result.notes.append(
            _("No monitoring line is set for %(year)d: the rules that use the line (%(rules)s) could not fire.")
            % {"year": ctx.year, "rules": ", ".join(using)}
        )
    elif not any(line.region_code == "" for line in ctx.lines):
        covered = reduce(or_, (Q(region_code__startswith=line.region_code) for line in ctx.lines))
        uncovered = base.exclude(covered).count()
        if uncovered:
            result.notes.append(
                ngettext(
                    "No monitoring line applies to %(n)d household in %(year)d: the rules that use the line "
                    "(%(rules)s) could not fire for it.",
                    "No monitoring line applies to %(n)d households in %(year)d: the rules that use the line "
                    "(%(rules)s) could not fire for them.",
                    uncovered,
                ) % {"n": uncovered, "year": ctx.year, "rules": ", ".join(using)}
            )


def _serialise_runs() -> None:
    """One screening run writes at a time, so a second run sees the first one's warnings.

    SQLite already serialises writers (transactions begin IMMEDIATE); PostgreSQL takes a
    transaction-scoped advisory lock. Without it, two overlapping runs would collide on the
    one-open-warning constraint and the later one would fail.
    """
    connection = connections[Warning.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCREENING_LOCK])


def screen(year: int | None = None, region: str = "", on: date | None = None,
           progress: Callable[[int, int, str], None] | None = None) -> ScreeningResult:
    """Screen a year's households (default: the latest year recorded) and raise warnings.

    The feed window ends on ``on``; by default on 31 December of an explicitly given year,
    otherwise today.
    """
    started = time.perf_counter()
    report = progress or (lambda done, total, message: None)
    explicit_year = year is not None
    year = year if explicit_year else latest_year(region)
    if year is None:
        result = ScreeningResult(None, region, None, None)
        result.notes.append(_("There are no household-year records to screen."))
        return result
    end = on or (date(year, 12, 31) if explicit_year else timezone.localdate())
    ctx = FactContext.for_year(year, end)
    result = ScreeningResult(year, region, ctx.window_start, ctx.window_end)
    base = base_queryset(year, region)
    rules, compiled = compile_active_rules(result)
    result.per_rule = {rule.code: 0 for rule in rules}
    result.households = base.count()
    _line_notes(result, ctx, base, rules, compiled)
    report(0, 3, _("Evaluating %(n)d rules") % {"n": len(rules)})

    hits = evaluate(compiled, ctx, base, region, rows=result.households)
    report(1, 3, _("Writing warnings"))
    by_id = {rule.pk: rule for rule in rules}
    with transaction.atomic():
        _serialise_runs()
        existing = Warning.objects.filter(status__in=WarningStatus.open(), rule_id__in=list(by_id))
        if region:
            existing = existing.filter(region_code__startswith=region)
        skip = set(existing.values_list("household_id", "rule_id"))
        for provider in _suppression_providers:
            skip.update(provider(base))
        due = add_working_days(timezone.localdate(), verify_days())
        window = [ctx.window_start.isoformat(), ctx.window_end.isoformat()]
        # Rows go in through core.bulk.insert_rows (one executemany), already in database form:
        # bulk_create's per-field preparation would cost more than evaluating the rules.
        connection = connections[Warning.objects.db]
        constant = (year, WarningStatus.NEW.value, WarningChannel.RULE.value,
                    Warning._meta.get_field("due_date").get_db_prep_save(due, connection))
        # Evidence is written as JSON text: what a rule's warnings share is encoded once, and
        # each warning adds its facts (plain numbers, booleans and strings). Both databases
        # read the text into the JSON column (PostgreSQL casts it, psycopg sends str untyped).
        shared = {
            rule_id: json.dumps({"rule": by_id[rule_id].code, "rule_version": by_id[rule_id].version,
                                 "expression": by_id[rule_id].expression, "parameters": by_id[rule_id].parameters,
                                 "window": window}, ensure_ascii=False)[:-1] + ', "facts": '
            for rule_id in compiled
        }
        fact_types = {rule_id: [(name, FACTS[name].type) for name in compiled[rule_id].facts] for rule_id in compiled}
        new: list[tuple] = []
        counts: Counter[str] = Counter()
        for hit in hits:
            for rule_id in hit.rules:
                rule = by_id[rule_id]
                counts[rule.code] += 1
                if (hit.household_id, rule_id) in skip:
                    result.warnings_unchanged += 1
                    continue
                skip.add((hit.household_id, rule_id))
                facts = {name: _json_value(hit.facts[name], type_) for name, type_ in fact_types[rule_id]}
                new.append((hit.household_id, hit.region_code, rule_id, rule.version, *constant,
                            shared[rule_id] + json.dumps(facts, ensure_ascii=False) + "}"))
        result.warnings_created = insert_rows(Warning, WARNING_COLUMNS, new)
        report(2, 3, _("Recording the run"))
        result.per_rule.update(counts)
        result.seconds = time.perf_counter() - started
        record_changes([Change(
            action="create", object_type="monitoring.screening", object_id=f"{year}:{region}",
            object_repr=_("Screening %(year)d") % {"year": year}, region_code=region,
            after=result.summary() | {"year": year, "region": region, "window": window},
        )])
        region_codes = None if not region or len(region) < 12 else {region}
        transaction.on_commit(lambda: data_changed.send(sender=Warning, part="monitoring", region_codes=region_codes))
    result.seconds = time.perf_counter() - started
    report(3, 3, _("Done"))
    return result


def open_warnings_by_household(region: str = "") -> list[tuple[str, list[str]]]:
    """(户编号, sorted rule codes) for every household with an open warning, by household number."""
    qs = Warning.objects.filter(status__in=WarningStatus.open())
    if region:
        qs = qs.filter(region_code__startswith=region)
    grouped: dict[str, set[str]] = {}
    for number, code in qs.values_list("household__number", "rule__code").order_by("household__number"):
        codes = grouped.setdefault(number, set())
        if code:
            codes.add(code)
    return [(number, sorted(codes)) for number, codes in grouped.items()]
