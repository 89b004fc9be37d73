"""Who a policy is for: its eligibility rule evaluated by the database for a year and a region.

A policy's eligibility is an expression of the screening rule language (``monitoring.rules``: the
same parser, validation and Chinese wording) over the policy facts (``facts.POLICY_FACTS``): every
household-year fact screening knows, the household's own facts policies need (relocation,
household type, 低保/特困 in the household …) and, for a policy whose subject is a person, the
member's facts (age in the policy year, disability grade, schooling stage, labour capacity,
低保/特困, health …).

Nothing is computed in Python: ``eligible`` returns a lazy queryset over the year's
``HouseholdYear`` rows (joined to the household's members for a person policy) whose filter is
the compiled rule; counting, grouping by township or joining enrolments are left to the caller.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Mapping
from decimal import Decimal

from django.db import models
from django.db.models import ExpressionWrapper, F, QuerySet, Value
from django.utils.translation import gettext as _

from shouwang.monitoring.rules.compiler import CompiledRule, RuleError, check_parameters, compile_expression
from shouwang.monitoring.rules.facts import FLAG, FactContext, fact_alias, format_value
from shouwang.monitoring.rules.wording import describe_condition, fact_label
from shouwang.registry.models import HouseholdYear

from .facts import MEMBER, MEMBER_FACT_NAMES, PERSON, annotate_facts, registry

FIELDS = ("household_id", "member_id", "region_code")


def check(expression: str, parameters: dict, subject: str) -> list[str]:
    """The errors of an eligibility rule for a policy of ``subject`` ("household" or "person").

    Returns a list of messages in the active language, each with where the problem is ("Column 12: …")
    when it has a place; an empty list when the rule is valid. A member fact in a household policy
    is an error. Never raises for bad input.
    """
    facts = registry(subject)
    try:
        check_parameters(parameters if parameters is not None else {}, facts)
        compile_expression(expression, parameters or {}, facts=facts)
    except RuleError as exc:
        if subject != PERSON and _names_member_fact(expression):
            return [_("“%(name)s” is a fact of a person; a household policy cannot use it. Make the policy's "
                      "subject a person, or use a household fact.") % {"name": _names_member_fact(expression)}]
        return [str(exc)]
    return []


def _names_member_fact(expression: str) -> str:
    """The first member fact an expression names ("" for none)."""
    try:
        tree = ast.parse((expression or "").strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in MEMBER_FACT_NAMES:
            return node.id
    return ""


def _rule(policy, expression, parameters):
    expression = policy.expression if expression is None else expression
    parameters = (policy.parameters or {}) if parameters is None else parameters
    return expression, parameters


def _subjects(policy, year: int, region: str, using: str):
    """The year's household rows of the policy's county (in ``region``), joined to members for a person policy."""
    rows = HouseholdYear.objects.using(using).filter(year=year, region_code__startswith=policy.region_code)
    if region:
        rows = rows.filter(region_code__startswith=region)
    if policy.subject == PERSON:
        return rows.annotate(member_id=F(f"{MEMBER}__id")).filter(member_id__isnull=False)
    return rows.annotate(member_id=Value(None, output_field=models.BigIntegerField()))


def eligible(policy, year: int, region: str = "", *, expression: str | None = None,
             parameters: Mapping | None = None, using: str = "default", lines: list | None = None) -> QuerySet:
    """The subjects who satisfy ``policy``'s eligibility in ``year``, as a lazy queryset.

    Rows are ``values()`` dicts with ``household_id``, ``member_id`` (None for a household policy)
    and ``region_code`` (the household's village code), one per household (household policy) or per
    member (person policy); only households recorded for ``year`` (a ``HouseholdYear``) count.
    ``region`` narrows to a region code prefix, always within the policy's county. ``expression`` and
    ``parameters`` replace the policy's own (drafts and simulations); a policy not in force in
    ``year`` (its period) has no one eligible. Raises ``RuleError`` for an invalid rule.
    """
    expression, parameters = _rule(policy, expression, parameters)
    facts = registry(policy.subject)
    compiled = compile_expression(expression, parameters, facts=facts)
    rows = _subjects(policy, year, region, using)
    if not policy.in_force(year):
        return rows.none().values(*FIELDS)
    ctx = FactContext.for_year(year)
    if lines is not None:  # a simulation's draft lines (simulation.engine.draft_lines), in screening's order
        ctx = dataclasses.replace(ctx, lines=lines)
    rows = annotate_facts(rows, compiled.facts, ctx, facts)
    return rows.filter(compiled.condition).order_by().values(*FIELDS)


def explain(policy, year: int, household_id: int, member_id: int | None = None, *,
            expression: str | None = None, parameters: Mapping | None = None) -> list[dict]:
    """Each simple condition of the rule for one subject, for "why" columns.

    One dict per condition (a comparison or a true/false fact), in the order they are written:
    ``condition`` (the condition in words), ``expression`` (its text), ``facts`` (a list of
    ``{"name", "label", "value", "text"}``: each fact it names, its value for this subject and the
    value in words) and ``holds`` (True, False, or None where a value is unknown). An empty list
    when the household has no row for ``year``.
    """
    expression, parameters = _rule(policy, expression, parameters)
    facts = registry(policy.subject)
    compile_expression(expression, parameters, facts=facts)  # the whole rule first: errors name its place
    text = expression.strip()
    conditions = []
    for index, node in enumerate(_leaves(ast.parse(text, mode="eval").body)):
        part = ast.get_source_segment(text, node) or ast.unparse(node)
        compiled = compile_expression(part, parameters, facts=facts)
        conditions.append(_Part(index, part, compiled))
    names = list(dict.fromkeys(name for c in conditions for name in c.compiled.facts))
    rows = _subjects(policy, year, "", "default").filter(household_id=household_id)
    if policy.subject == PERSON:
        rows = rows.filter(member_id=member_id)
    rows = annotate_facts(rows, names, FactContext.for_year(year), facts)
    rows = rows.annotate(**{
        f"holds_{c.index}": ExpressionWrapper(c.compiled.condition, output_field=models.BooleanField())
        for c in conditions
    })
    row = rows.values(*[fact_alias(n) for n in names], *[f"holds_{c.index}" for c in conditions]).first()
    if row is None:
        return []
    result = []
    for c in conditions:
        values = []
        for name in c.compiled.facts:
            value = _plain(row[fact_alias(name)])
            if facts[name].type == FLAG and value is not None:
                value = bool(value)  # SQLite answers 0 / 1
            values.append({"name": name, "label": fact_label(name, facts), "value": value,
                           "text": format_value(value, name)})
        holds = row[f"holds_{c.index}"]
        result.append({
            "condition": describe_condition(c.expression, parameters, facts=facts),
            "expression": c.expression, "facts": values, "holds": None if holds is None else bool(holds),
        })
    return result


@dataclasses.dataclass(frozen=True)
class _Part:
    index: int
    expression: str
    compiled: CompiledRule


def _leaves(node: ast.AST):
    """The simple conditions of a rule, in the order written: comparisons and true/false facts."""
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _leaves(value)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and not isinstance(node.operand, ast.Name):
        yield from _leaves(node.operand)
    else:
        yield node


def _plain(value):
    """A database value for words and JSON: whole decimals as int, others as float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
