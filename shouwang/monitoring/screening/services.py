"""Department screening (部门筛查预警): run every active rule over a year's households.

All active rules are evaluated in one SQL query inside the database: the facts they use
are annotated onto the year's ``HouseholdYear`` rows, each rule becomes one boolean column,
and only rows where some rule is true are kept. Each fired rule then becomes a ``Signal``
carrying its evidence, unless the household already has an open signal of that rule; so
screening twice changes nothing. The new signals then gather where their household is dealt
with (``warnings.services.gather``): on its open case, else on its one open warning, else on a
warning opened for it, so a household is one item in its village queue however many rules fire.

* PostgreSQL: nothing per household passes through Python. The rule query, the evidence and
  the insert are one ``WITH … INSERT … SELECT`` statement (``_insert_part``).
* SQLite: the fired rows come back and the signals are written in bulk
  (``core.bulk.insert_rows``).

A large run is split by household id across two connections, one core each
(``SHOUWANG_SCREENING_WORKERS``). On PostgreSQL each connection also writes its part's
signals, and the parts commit together or not at all.

The verification deadline is ``SHOUWANG_WARNING_VERIFY_DAYS`` working days (default 5) after
the warning is raised (``warnings.models.verification_due``, counted on the one calendar,
:mod:`shouwang.core.calendar`, which does not know public holidays yet).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shouwang.core.audit import Change, record_changes
from shouwang.core.bulk import column_defaults, column_of, insert_rows
from shouwang.core.signals import data_changed
from shouwang.registry.models import HouseholdYear

from ..lines.services import latest_data_year
from ..rules.compiler import CompiledRule, RuleError, compile_expression
from ..rules.facts import FACTS, NUMBER, FactContext, fact_alias, household_facts
from ..rules.models import Rule
from ..rules.standards import rules_for_year
from ..warnings.models import Signal, Warning, WarningChannel, WarningStatus
from ..warnings.services import gather
from .engine import (
    Hit,
    _facts_used,
    _id_list,
    _json_value,
    _parallel_workers,
    _parts,
    _rule_query,
    _run_parts,
    base_queryset,
    evaluate,
)

SCREENING_LOCK = 0x5357_4D4F  # PostgreSQL advisory lock key of screening runs ("SWMO")
SIGNAL_COLUMNS = ("household_id", "region_code", "rule_id", "rule_version", "evidence")  # then SignalRows.constants


@dataclass
class ScreeningResult:
    year: int | None
    region: str
    window_start: date | None
    window_end: date | None
    households: int = 0
    signals_added: int = 0  # fired rules that were not already an open signal of the household
    signals_unchanged: int = 0  # fired rules already open as a signal
    warnings_created: int = 0  # households newly warned (the others' signals joined their warning or case)
    per_rule: dict[str, int] = field(default_factory=dict)  # households each rule fired for
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """The ``screen --json`` shape."""
        return {
            "households": self.households,
            "signals_added": self.signals_added,
            "signals_unchanged": self.signals_unchanged,
            "warnings_created": self.warnings_created,
            "per_rule": self.per_rule,
            "seconds": round(self.seconds, 3),
        }


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


def _count_rows(year: int, region: str, ctx: FactContext,
                household_ids: list[int] | None = None) -> tuple[int, int]:
    """(rows to screen, rows no monitoring line covers).

    Counted per region code from the (year, region) index alone, and the codes matched against
    the lines' prefixes here: a few hundred villages, where testing each row against the lines
    in SQL read the whole table (PostgreSQL: 0.17 s for a million, against 0.07 s).
    """
    rows = HouseholdYear.objects.filter(year=year)
    if region:
        rows = rows.filter(region_code__startswith=region)
    if household_ids is not None:
        rows = rows.filter(household_id__in=_id_list(list(household_ids), rows.db))
    prefixes = [line.region_code for line in ctx.lines]
    total = uncovered = 0
    for code, n in rows.order_by().values_list("region_code").annotate(n=Count("region_code")):
        total += n
        if not any(code.startswith(prefix) for prefix in prefixes):
            uncovered += n
    return total, uncovered


def _line_notes(result: ScreeningResult, ctx: FactContext, uncovered: int, rules: list[Rule],
                compiled: dict[int, CompiledRule]) -> None:
    using = [r.code for r in rules if compiled[r.pk].uses_line]
    if not using:
        return
    if not ctx.lines:
        result.notes.append(
            _("No monitoring line is set for %(year)d: the rules that use the line (%(rules)s) could not fire.")
            % {"year": ctx.year, "rules": ", ".join(using)}
        )
    elif uncovered:
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
    """One screening run writes at a time, so a second run sees the first one's signals.

    SQLite already serialises writers (transactions begin IMMEDIATE); PostgreSQL takes a
    transaction-scoped advisory lock. Without it, two overlapping runs would collide on the
    one-open-signal constraint and the later one would fail.
    """
    connection = connections[Signal.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCREENING_LOCK])


def _lock_rules(compiled: dict[int, CompiledRule]) -> dict[int, CompiledRule]:
    """Keep the run's rules from being deleted until it commits; returns those still there.

    ``Warning.rule`` has no database constraint (see the model): on PostgreSQL the run takes,
    once, the ``KEY SHARE`` lock the constraint would take for every warning it writes (a rule
    can still be edited meanwhile, as under the constraint). SQLite runs one writer at a time.
    """
    connection = connections[Rule.objects.db]
    if connection.vendor != "postgresql" or not compiled:
        return compiled
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q('id')} FROM {q(Rule._meta.db_table)} WHERE {q('id')} = ANY(%s) FOR KEY SHARE",
                       [list(compiled)])
        present = {row[0] for row in cursor.fetchall()}
    return {rule_id: rule for rule_id, rule in compiled.items() if rule_id in present}


def screen(year: int | None = None, region: str = "", on: date | None = None,
           progress: Callable[[int, int, str], None] | None = None,
           household_ids: Iterable[int] | None = None) -> ScreeningResult:
    """Screen a year's households (default: the latest year recorded): a signal for each rule that
    fires, gathered on the household's case or its one open warning.

    The feed window ends on ``on``; by default on 31 December of an explicitly given year,
    otherwise today. The signals are raised on ``on`` (today by default) and a new warning is due
    ``SHOUWANG_WARNING_VERIFY_DAYS`` working days later. ``household_ids`` limits the run to those
    households (the ones a registry or feed commit touched); None screens every household of the year and region.
    """
    ids = None if household_ids is None else sorted({int(pk) for pk in household_ids})
    if ids == []:
        result = ScreeningResult(year, region, None, None)
        result.notes.append(_("No household to screen."))
        return result
    started = time.perf_counter()
    report = progress or (lambda done, total, message: None)
    explicit_year = year is not None
    year = year if explicit_year else latest_data_year(region)
    if year is None:
        result = ScreeningResult(None, region, None, None)
        result.notes.append(_("There are no household-year records to screen."))
        return result
    end = on or (date(year, 12, 31) if explicit_year else timezone.localdate())
    ctx = FactContext.for_year(year, end)
    result = ScreeningResult(year, region, ctx.window_start, ctx.window_end)
    base = base_queryset(year, region, ids)
    # The county's identification standard of the year decides the rules where it is set (rules/standards.py).
    rules, compiled = rules_for_year(year, region, result.notes)
    result.per_rule = {rule.code: 0 for rule in rules}
    result.households, uncovered = _count_rows(year, region, ctx, ids)
    _line_notes(result, ctx, uncovered, rules, compiled)
    report(0, 3, _("Evaluating %(n)d rules") % {"n": len(rules)})

    in_database = connections[Signal.objects.db].vendor == "postgresql"
    workers = _parallel_workers(base, result.households)  # decided outside the transaction below
    hits = [] if in_database else evaluate(compiled, ctx, base, region, workers)
    report(1, 3, _("Writing signals and warnings"))
    by_id = {rule.pk: rule for rule in rules}
    window = [ctx.window_start.isoformat(), ctx.window_end.isoformat()]
    raised_on = on or timezone.localdate()
    new = SignalRows(year, raised_on, {
        rule_id: {"rule": by_id[rule_id].code, "rule_version": by_id[rule_id].version,
                  "expression": by_id[rule_id].expression, "parameters": by_id[rule_id].parameters,
                  "window": window}
        for rule_id in compiled
    })
    with transaction.atomic():
        _serialise_runs()
        compiled = _lock_rules(compiled)
        if in_database:
            fired, created = _write_in_database(compiled, ctx, base, region, workers, new)
        else:
            existing = Signal.objects.filter(open=True, rule_id__in=list(by_id))
            if region:
                existing = existing.filter(region_code__startswith=region)
            hit_ids = sorted({hit.household_id for hit in hits}) if ids is not None else None
            if hit_ids is not None:
                existing = existing.filter(household_id__in=_id_list(hit_ids, existing.db))
            skip = set(existing.values_list("household_id", "rule_id"))
            dismissed = _dismissed_facts(year, region, hit_ids)
            fired, created = _write_from_hits(compiled, hits, new, skip, dismissed)
        for rule_id, count in fired.items():
            result.per_rule[by_id[rule_id].code] = count
        result.signals_added = sum(created.values())
        result.signals_unchanged = sum(fired.values()) - result.signals_added
        result.warnings_created = gather(raised_on) if result.signals_added else 0
        report(2, 3, _("Recording the run"))
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


@dataclass(frozen=True)
class SignalRows:
    """What the signals of one run share: the year, the day raised, each rule's evidence."""

    year: int
    raised_on: date
    evidence: dict[int, dict]  # rule id → the evidence every signal of that rule carries, facts aside

    def constants(self, connection) -> dict[str, object]:
        """Database values of the columns every new signal has alike (defaults included)."""
        given = {"year": self.year, "open": True, "channel": WarningChannel.RULE.value,
                 "raised_on": Signal._meta.get_field("raised_on").get_db_prep_save(self.raised_on, connection)}
        return given | column_defaults(Signal, [*SIGNAL_COLUMNS, *given], connection)


def _dismissed_facts(year: int, region: str, household_ids: list[int] | None) -> dict[tuple[int, int], list[dict]]:
    """The facts of the year's rule signals closed by a dismissal, by (household, rule).

    A cadre who verified a household and dismissed a rule's signal has answered it for those
    facts: screening the same year again raises it anew only when the facts changed (a new
    income record, a new feed row), not on every run.
    """
    dismissed = Signal.objects.filter(year=year, open=False, rule__isnull=False,
                                      warning__status=WarningStatus.DISMISSED)
    if region:
        dismissed = dismissed.filter(region_code__startswith=region)
    if household_ids is not None:
        dismissed = dismissed.filter(household_id__in=_id_list(household_ids, dismissed.db))
    found: dict[tuple[int, int], list[dict]] = {}
    for household_id, rule_id, evidence in dismissed.values_list("household_id", "rule_id", "evidence"):
        facts = evidence.get("facts") if isinstance(evidence, dict) else None
        if isinstance(facts, dict):
            found.setdefault((household_id, rule_id), []).append(facts)
    return found


def _write_from_hits(compiled: dict[int, CompiledRule], hits: list[Hit], new: SignalRows,
                     skip: set[tuple[int, int]],
                     dismissed: dict[tuple[int, int], list[dict]] | None = None) -> tuple[Counter[int], Counter[int]]:
    """Write a signal for each fired (household, rule) pair not in ``skip``; (fired, created) per rule.

    A pair whose signal of the year was dismissed with the same facts (``dismissed``) stays answered.

    Rows go in through core.bulk.insert_rows (one executemany), already in database form:
    bulk_create's per-field preparation would cost more than evaluating the rules.
    """
    connection = connections[Signal.objects.db]
    constants = new.constants(connection)
    columns = (*SIGNAL_COLUMNS, *constants)
    tail = tuple(constants.values())
    # Evidence is written as JSON text: what a rule's signals share is encoded once, and each
    # signal adds its facts (plain numbers, booleans and strings).
    shared = {rule_id: json.dumps(evidence, ensure_ascii=False)[:-1] + ', "facts": '
              for rule_id, evidence in new.evidence.items()}
    version = {rule_id: evidence["rule_version"] for rule_id, evidence in new.evidence.items()}
    fact_types = {rule_id: [(name, FACTS[name].type) for name in compiled[rule_id].facts] for rule_id in compiled}
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False) builds one per call
    rows: list[tuple] = []
    fired: Counter[int] = Counter()
    created: Counter[int] = Counter()
    for hit in hits:
        for rule_id in hit.rules:
            fired[rule_id] += 1
            if (hit.household_id, rule_id) in skip:
                continue
            facts = {name: _json_value(hit.facts[name], type_) for name, type_ in fact_types[rule_id]}
            if dismissed and _same_facts(facts, dismissed.get((hit.household_id, rule_id), ())):
                continue
            skip.add((hit.household_id, rule_id))
            created[rule_id] += 1
            rows.append((hit.household_id, hit.region_code, rule_id, version[rule_id],
                         shared[rule_id] + encode(facts) + "}", *tail))
    insert_rows(Signal, columns, rows)
    return fired, created


def _same_facts(facts: dict, earlier: Iterable[dict]) -> bool:
    """Whether ``facts`` equal one of ``earlier`` (numbers compared as numbers: 7500 == 7500.0)."""
    normal = json.loads(json.dumps(facts, default=str), parse_float=Decimal, parse_int=Decimal)
    return any(json.loads(json.dumps(e, default=str), parse_float=Decimal, parse_int=Decimal) == normal
               for e in earlier)


def _write_in_database(compiled: dict[int, CompiledRule], ctx: FactContext, base: QuerySet, region: str,
                       workers: int, new: SignalRows) -> tuple[Counter[int], Counter[int]]:
    """PostgreSQL: evaluate and write inside the database, one statement per part; (fired, created).

    Nothing per household passes through Python: the rule query, the evidence (built with
    ``jsonb_build_object``) and the insert are one ``WITH … INSERT … SELECT``. A large run is
    split by household id across ``workers`` connections, each writing its part in its own
    transaction; the parts commit together: each checks its deferred foreign keys
    (``SET CONSTRAINTS ALL IMMEDIATE``) and waits at a barrier for the others, and if any part
    fails, the others roll back.
    """
    if not compiled:
        return Counter(), Counter()
    facts = _facts_used(compiled)
    parts = _parts(base, workers)
    if len(parts) == 1:
        return _insert_part(compiled, facts, ctx, base, region, new)
    barrier = threading.Barrier(len(parts))

    def write(part: FactContext) -> tuple[Counter[int], Counter[int]]:
        try:
            with transaction.atomic(using=base.db):
                counts = _insert_part(compiled, facts, part, base, region, new)
                with connections[base.db].cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                barrier.wait()  # every part is written and checked: all commit
            return counts
        except BaseException:
            barrier.abort()  # the others stop waiting and roll back
            raise

    fired: Counter[int] = Counter()
    created: Counter[int] = Counter()
    for part_fired, part_created in _run_parts(base, ctx, parts, write):
        fired.update(part_fired)
        created.update(part_created)
    return fired, created


def _insert_part(compiled: dict[int, CompiledRule], facts: list[str], ctx: FactContext, base: QuerySet,
                 region: str, new: SignalRows) -> tuple[Counter[int], Counter[int]]:
    """The one statement of a part (``ctx.households``, or all): rule query → fired (household,
    rule) pairs → new signals."""
    qs, _columns = _rule_query(compiled, facts, ctx, base)
    connection = connections[qs.db]
    q = connection.ops.quote_name
    select_sql, select_params = qs.query.sql_with_params()
    # One SELECT per rule over the hits, joined by UNION ALL. (A LATERAL VALUES list would be
    # shorter, but PostgreSQL prepares its expressions again for every row: 15 times slower.)
    fired_sql, fired_params = [], []
    for rule_id, rule in compiled.items():
        # Numbers as JSON numbers without trailing zeros (7500, not 7500.00), as _json_value writes them.
        pairs = [f"%s, trim_scale(CAST(h.{q(fact_alias(name))} AS numeric))" if FACTS[name].type == NUMBER
                 else f"%s, h.{q(fact_alias(name))}" for name in rule.facts]
        fired_sql.append(
            f"SELECT h.{q('household_id')} AS household_id, h.{q('region_code')} AS region_code, "
            f"%s::bigint AS rule_id, %s::integer AS rule_version, "
            f"%s::jsonb || jsonb_build_object('facts', jsonb_build_object({', '.join(pairs)})) AS evidence "
            f"FROM hits h WHERE h.{q(f'rule_{rule_id}')}"
        )
        fired_params += [rule_id, new.evidence[rule_id]["rule_version"],
                         json.dumps(new.evidence[rule_id], ensure_ascii=False), *rule.facts]
    constants = new.constants(connection)
    table = q(Signal._meta.db_table)
    columns = ", ".join(q(column_of(Signal._meta.get_field(name))) for name in (*SIGNAL_COLUMNS, *constants))
    sql = f"""
        WITH hits AS MATERIALIZED ({select_sql}),
        fired AS ({" UNION ALL ".join(fired_sql)}),
        -- Read once, before anything is written (the signals table is the one being written).
        dismissed AS MATERIALIZED (
            SELECT d.{q("household_id")} AS household_id, d.{q("rule_id")} AS rule_id,
                   d.{q("evidence")} -> 'facts' AS facts
            FROM {table} d JOIN {q(Warning._meta.db_table)} w ON w.{q("id")} = d.{q("warning_id")}
            WHERE d.{q("year")} = %s AND NOT d.{q("open")} AND d.{q("rule_id")} IS NOT NULL AND w.{q("status")} = %s
        ),
        inserted AS (
            INSERT INTO {table} ({columns})
            SELECT f.household_id, f.region_code, f.rule_id, f.rule_version, f.evidence{", %s" * len(constants)}
            FROM fired f
            -- Dismissed this year with the same facts: the cadre's answer stands until they change.
            WHERE NOT EXISTS (
                SELECT 1 FROM dismissed x
                WHERE x.household_id = f.household_id AND x.rule_id = f.rule_id AND x.facts = f.evidence -> 'facts'
            )
            -- Ids follow (household, rule), not the order the rule query produced the rows in.
            ORDER BY f.household_id, f.rule_id
            -- An open signal for the pair already: the one-open-signal index says so, row by row.
            -- (An anti-join against the table being written would let the planner, on an empty
            -- table's statistics, rescan the rows this statement adds for every row: quadratic.)
            ON CONFLICT ({q("household_id")}, {q("rule_id")})
                WHERE {q("open")} AND {q("rule_id")} IS NOT NULL DO NOTHING
            RETURNING {q("rule_id")} AS rule_id
        )
        -- Counted from the hits, so that the fired rows are read once, by the INSERT, as they are
        -- made: kept for a second reader, they were written out to a temporary file.
        SELECT v.rule_id, v.n, COALESCE(i.n, 0)
        FROM (SELECT {", ".join(f"COUNT(*) FILTER (WHERE h.{q(f'rule_{rule_id}')}) AS n_{rule_id}"
                                for rule_id in compiled)} FROM hits h) c
        CROSS JOIN LATERAL (VALUES {", ".join(f"(%s::bigint, c.n_{rule_id})" for rule_id in compiled)}) AS v(rule_id, n)
        LEFT JOIN (SELECT rule_id, COUNT(*) AS n FROM inserted GROUP BY rule_id) i ON i.rule_id = v.rule_id
    """
    params = [*select_params, *fired_params, new.year, WarningStatus.DISMISSED.value, *constants.values(),
              *compiled]
    fired: Counter[int] = Counter()
    created: Counter[int] = Counter()
    with household_facts(facts, ctx, region, using=qs.db), connection.cursor() as cursor:
        # PostgreSQL would JIT-compile this wide expression for seconds, longer than it runs.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for rule_id, n_fired, n_created in cursor.fetchall():
            fired[rule_id] += n_fired
            created[rule_id] += n_created
    return fired, created


def open_warnings_by_household(region: str = "") -> list[tuple[str, list[str]]]:
    """(户编号, sorted rule codes of its open signals) for every household with an open warning, by
    household number."""
    qs = Signal.objects.filter(warning__status__in=WarningStatus.open(), open=True)
    if region:
        qs = qs.filter(region_code__startswith=region)
    grouped: dict[str, set[str]] = {}
    for number, code in qs.values_list("household__number", "rule__code").order_by("household__number"):
        codes = grouped.setdefault(number, set())
        if code:
            codes.add(code)
    return [(number, sorted(codes)) for number, codes in grouped.items()]
