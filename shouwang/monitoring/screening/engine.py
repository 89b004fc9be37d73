"""The screening engine: every active rule evaluated in ONE query over a year's household rows.

The facts the rules use are annotated onto the year's ``HouseholdYear`` rows, each rule becomes
one boolean column, and only rows where some rule is true are kept (``evaluate``). A large run is
split by household id across two connections, one core each (``SHOUWANG_SCREENING_WORKERS``).
Writing the warnings is :mod:`.services`' part.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connections, models
from django.db.models import Case, F, Max, Min, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact
from django.db.models.sql.constants import MULTI

from shouwang.registry.models import Household, HouseholdYear

from ..rules.compiler import CompiledRule
from ..rules.facts import FLAG, NUMBER, FactContext, NoIndex, annotate_facts, fact_alias, household_facts


@dataclass(frozen=True)
class Hit:
    """One household-year where at least one rule is true."""

    household_id: int
    region_code: str
    rules: tuple[int, ...]
    facts: dict[str, object]


def base_queryset(year: int, region: str = "", household_ids: list[int] | None = None) -> QuerySet:
    """The year's household rows to screen, optionally within a region (code prefix) and limited
    to some households (``household_ids``; None: all)."""
    qs = HouseholdYear.objects.all()
    if household_ids is not None:
        # The households a commit touched: their (household, year) rows by the unique index.
        qs = qs.filter(year=year, household_id__in=_id_list(household_ids, qs.db))
        return (qs.filter(region_code__startswith=region) if region else qs).order_by()
    if len(region) > 6:  # a township or a village: few rows, the index helps
        qs = qs.filter(year=year, region_code__startswith=region)
    else:
        # Screening reads most of a year's rows: by the (year, region) index SQLite would fetch
        # every row by its id, about eight times slower than reading the table in order.
        qs = qs.filter(Exact(NoIndex(F("year")), year))
        if region:
            qs = qs.filter(region_code__startswith=region)
    return qs.order_by()


def _id_list(ids: list[int], using: str):
    """``ids`` for an ``__in`` lookup: as they are when few; as one parameter when many, since a
    commit of a whole county would pass SQLite's limit on the parameters of one statement."""
    if len(ids) <= 500:
        return ids
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def _facts_used(compiled: dict[int, CompiledRule]) -> list[str]:
    facts: list[str] = []
    for rule in compiled.values():
        facts.extend(name for name in rule.facts if name not in facts)
    return facts


def _parts(base: QuerySet, workers: int) -> list[tuple[int, int] | None]:
    """``workers`` household id ranges ``[first, end)`` of equal width from the lowest id to the highest
    (ids are handed out in import order, so the widths hold about as many households); [None] for one."""
    if workers < 2:
        return [None]
    ids = Household.objects.using(base.db).aggregate(low=Min("pk"), top=Max("pk"))
    low, top = ids["low"] or 0, ids["top"] or 0
    bounds = [low + (top + 1 - low) * i // workers for i in range(workers)] + [top + 1]
    return [(bounds[i], bounds[i + 1]) for i in range(workers)]


def evaluate(compiled: dict[int, CompiledRule], ctx: FactContext, base: QuerySet, region: str = "",
             workers: int = 1) -> list[Hit]:
    """Evaluate the rules in ONE query; return the rows where any rule fired and the facts used.

    ``region`` (the code prefix ``base`` is limited to) keeps the per-household aggregates to it.
    With ``workers`` of 2 or more (``_parallel_workers``), the run is split by household id,
    each part evaluated on its own connection at the same time: SQLite runs a query on one core;
    a county of a million households takes twice as long on one as on two.
    """
    if not compiled:
        return []
    facts = _facts_used(compiled)
    parts = _parts(base, workers)
    if len(parts) == 1:
        return _evaluate_part(compiled, facts, ctx, base, region)
    found = _run_parts(base, ctx, parts, lambda part: _evaluate_part(compiled, facts, part, base, region))
    return [hit for part_hits in found for hit in part_hits]


def _run_parts(base: QuerySet, ctx: FactContext, parts: list[tuple[int, int] | None],
               work: Callable[[FactContext], object]) -> list:
    """``work`` on each part's context (``ctx`` narrowed to its households), each in a thread with
    its own connection, all at once; the results in the parts' order. If parts fail, the error
    raised is a failing part's own, not another part's ``BrokenBarrierError``."""
    def run(part: tuple[int, int] | None):
        try:
            return work(replace(ctx, households=part))
        finally:
            connections.close_all()  # this thread's own connections

    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="screening") as pool:
        futures = [pool.submit(run, part) for part in parts]
    failures = [future.exception() for future in futures if future.exception()]
    if failures:
        raise next((e for e in failures if not isinstance(e, threading.BrokenBarrierError)), failures[0])
    return [future.result() for future in futures]


def _parallel_workers(base: QuerySet, rows: int | None) -> int:
    """How many connections to evaluate on: 2 or more only for a large run (a SQLite file or PostgreSQL).

    Other connections see only committed rows, so never inside a transaction (tests, a caller
    that has written and not committed), and never for an in-memory database.
    """
    connection = connections[base.db]
    wanted = int(settings.SHOUWANG_SCREENING_WORKERS)
    threshold = int(settings.SHOUWANG_SCREENING_PARALLEL_ROWS)
    if (wanted < 2 or connection.vendor not in ("sqlite", "postgresql") or connection.in_atomic_block
            or rows is None or rows < threshold
            or (connection.vendor == "sqlite" and connection.is_in_memory_db())):
        return 1
    return wanted


def flagged_rows(compiled: dict[int, CompiledRule], ctx: FactContext, base: QuerySet) -> QuerySet:
    """The rows of ``base`` (in the part's id range, if any) where some rule fires, with the facts
    annotated: the screening query itself, for a caller that runs it with other lines or rules
    (``ctx.lines``, ``compiled``) and writes nothing (the simulation before adoption). Evaluated
    inside ``household_facts`` of the rules' facts."""
    if ctx.households:
        base = base.filter(household_id__gte=ctx.households[0], household_id__lt=ctx.households[1])
    qs = annotate_facts(base, _facts_used(compiled), ctx)
    return qs.filter(reduce(or_, (rule.condition for rule in compiled.values())))


def _rule_query(compiled: dict[int, CompiledRule], facts: list[str], ctx: FactContext,
                base: QuerySet) -> tuple[QuerySet, list[str]]:
    """The rows of ``base`` (in the part's id range, if any) where some rule fires: a ``rule_<id>``
    flag per rule and a ``fact_<name>`` column per fact; returns the values queryset and its columns."""
    flags = {
        f"rule_{rule_id}": Case(When(rule.condition, then=Value(True)), default=Value(False),
                                output_field=models.BooleanField())
        for rule_id, rule in compiled.items()
    }
    qs = flagged_rows(compiled, ctx, base).annotate(**flags)
    columns = ["household_id", "region_code", *flags, *(fact_alias(name) for name in facts)]
    return qs.values_list(*columns), columns


def _evaluate_part(compiled: dict[int, CompiledRule], facts: list[str], ctx: FactContext, base: QuerySet,
                   region: str) -> list[Hit]:
    """One query over ``base`` (or the households of the part ``ctx.households``)."""
    qs, columns = _rule_query(compiled, facts, ctx, base)
    # Rows are read raw (no per-value converters): the flags are only tested for truth and the
    # facts become JSON numbers anyway, which is most of the Python time on a large county.
    compiler = qs.query.get_compiler(using=qs.db)
    hits = []
    with household_facts(facts, ctx, region, using=qs.db):
        chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=5000)
        position = {alias: i for i, (_, _, alias) in enumerate(compiler.select)}
        at = [position[name] for name in columns]
        rule_at = list(zip(compiled, at[2:2 + len(compiled)], strict=True))
        fact_at = list(zip(facts, at[2 + len(compiled):], strict=True))
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
