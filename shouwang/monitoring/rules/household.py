"""The facts and rule outcomes of ONE household-year, computed exactly as screening computes them.

Other parts that judge a household by the screening definitions (the case categories, the
risk-elimination criteria) ask here rather than computing income, spending or thresholds of
their own: the facts come from the same expressions (``facts.FACTS``), the thresholds from the
active rules' parameters (``rule_parameters``), and "does this rule hold" from the rule's own
compiled expression. Change a rule's parameter and every one of them follows.

A rule that is missing, inactive or does not compile holds for nobody here, as it fires for
nobody in screening: there is no fallback figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Case, Value, When

from shouwang.registry.models import HouseholdYear

from ..lines.models import LineBook, MonitoringLine
from .compiler import CompiledRule, RuleError, check_parameters, compile_expression
from .facts import FactContext, annotate_facts, fact_alias, household_facts
from .models import Rule


class YearsLine:
    """The default of ``household_year_facts``' ``line``: the year's own line, as screening reads it."""


YEARS_LINE = YearsLine()


def active_rules(codes: Iterable[str]) -> dict[str, Rule]:
    """The active rules among ``codes``, by code (a missing or inactive rule is left out)."""
    return {rule.code: rule for rule in Rule.objects.filter(code__in=list(codes), active=True)}


def rule_parameters(code: str) -> dict[str, Decimal] | None:
    """The parameters of the active rule ``code`` as screening reads them; None without such a rule."""
    rule = active_rules([code]).get(code)
    if rule is None:
        return None
    try:
        return check_parameters(rule.parameters or {})
    except RuleError:
        return None


@dataclass(frozen=True)
class HouseholdYearFacts:
    """One household-year's facts (by name), which of the asked rules hold, and the line used."""

    household_id: int
    year: int
    window: tuple[date, date]
    line: MonitoringLine | None
    facts: Mapping[str, Any]  # numbers as Decimal, flags as bool, text as str; None when unknown
    holds: frozenset[str]  # codes of the asked rules that hold
    parameters: Mapping[str, Mapping[str, Decimal]]  # each asked active rule's parameters, by code

    def __getitem__(self, name: str) -> Any:
        return self.facts[name]


def household_year_facts(household_id: int, year: int, *, on: date | None = None,
                         line: MonitoringLine | None | YearsLine = YEARS_LINE,
                         names: Iterable[str] = (), rules: Iterable[str] = ()) -> HouseholdYearFacts | None:
    """The named facts of the household's ``year`` record and which of the ``rules`` (codes) hold.

    The feed window ends on ``on`` (default 31 December of ``year``), as a screening run on that
    day. The ``line`` fact is the year's line for the household's region unless ``line`` names
    the line to judge by (a line found by ``lines.models.line_in_force``; None for no line).
    The facts the rules use are computed too. None when the household has no record of ``year``.
    """
    ctx = FactContext.for_year(year, on)
    if not isinstance(line, YearsLine):
        ctx = replace(ctx, lines=[line] if line is not None else [])
    ctx = replace(ctx, households=(household_id, household_id + 1))

    found = active_rules(rules)
    compiled: dict[str, CompiledRule] = {}
    parameters: dict[str, dict[str, Decimal]] = {}
    for code, rule in found.items():
        try:
            checked = check_parameters(rule.parameters or {})
            compiled[code] = compile_expression(rule.expression, rule.parameters or {})
        except RuleError:
            continue  # screening skips it too
        parameters[code] = checked
    wanted = list(dict.fromkeys([*names, *(name for rule in compiled.values() for name in rule.facts)]))
    flags = {
        f"rule_{i}": Case(When(rule.condition, then=Value(True)), default=Value(False),
                          output_field=models.BooleanField())
        for i, rule in enumerate(compiled.values())
    }
    base = HouseholdYear.objects.filter(household_id=household_id, year=year).order_by()
    rows = annotate_facts(base, wanted, ctx).annotate(**flags).values_list(
        "region_code", *(fact_alias(name) for name in wanted), *flags)
    with household_facts(wanted, ctx, using=rows.db):
        row = next(iter(rows), None)
    if row is None:
        return None
    region_code, values = row[0], row[1:]
    facts = dict(zip(wanted, values[:len(wanted)], strict=True))
    holds = frozenset(code for code, value in zip(compiled, values[len(wanted):], strict=True) if value)
    chosen = LineBook(ctx.lines).in_force(region_code, year) if isinstance(line, YearsLine) else line
    return HouseholdYearFacts(household_id, year, (ctx.window_start, ctx.window_end), chosen, facts, holds,
                              parameters)
