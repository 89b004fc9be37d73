"""What a rule would do before it is saved: check the expression, count who would fire.

The rule page calls this as the administrator types (the ``rule_check`` view). The expression is compiled exactly as
screening compiles it and run over exactly the rows screening would read (the latest year
in the user's region, the feed window ending today), in ONE read-only query: the matching
rows with a window ``COUNT(*) OVER ()`` for the total, cut to the first few households. So
the count shown is the count ``screen`` would report for the rule (``per_rule``), and nothing
is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Window
from django.utils import timezone

from shouwang.core.permissions import home_region
from shouwang.registry.models import HouseholdYear

from ..rules.compiler import RuleError, check_parameters, compile_expression
from ..rules.facts import FACTS, FactContext, annotate_facts, fact_alias, household_facts
from .engine import _json_value, base_queryset

PREVIEW_LIMIT = 20


class PreviewError(Exception):
    """A rule that cannot be previewed, with the form field at fault and where in it."""

    def __init__(self, field_name: str, error: RuleError | str):
        self.field = field_name
        self.message = str(error)
        self.line = getattr(error, "line", None)
        self.column = getattr(error, "column", None)
        self.offset = getattr(error, "offset", None)
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"ok": False, "field": self.field, "error": self.message, "line": self.line, "column": self.column,
                "offset": self.offset}


@dataclass
class PreviewHousehold:
    household_id: int
    number: str
    region_code: str
    facts: dict[str, object]


@dataclass
class Preview:
    year: int | None
    window: tuple[date, date] | None
    facts: list[str]
    count: int = 0
    households: list[PreviewHousehold] = field(default_factory=list)


def latest_year_for(user) -> int | None:
    latest = HouseholdYear.objects.restrict(user, "view").order_by("-year").values_list("year", flat=True).first()
    return latest


def preview_rule(expression: str, parameters: Mapping | None, user, *, year: int | None = None,
                 on: date | None = None, limit: int = PREVIEW_LIMIT) -> Preview:
    """Compile and run the rule over the user's region; raise ``PreviewError`` when it is wrong."""
    try:
        check_parameters(parameters or {})
    except RuleError as exc:
        raise PreviewError("parameters", exc) from None
    try:
        compiled = compile_expression(expression, parameters or {})
    except RuleError as exc:
        raise PreviewError("expression", exc) from None
    explicit = year is not None
    year = year if explicit else latest_year_for(user)
    if year is None:
        return Preview(None, None, list(compiled.facts))
    end = on or (date(year, 12, 31) if explicit else timezone.localdate())
    ctx = FactContext.for_year(year, end)
    home = home_region(user) or ""  # narrows the query plan; ``restrict`` decides what is seen
    base = base_queryset(year, home).restrict(user, "view")
    aliases = [fact_alias(name) for name in compiled.facts]
    rows = (
        annotate_facts(base, compiled.facts, ctx).filter(compiled.condition)
        .annotate(preview_total=Window(Count("pk")))
        .order_by("household__number")
        .values_list("household_id", "household__number", "region_code", "preview_total", *aliases)[:limit]
    )
    with household_facts(compiled.facts, ctx, home, using=rows.db):
        rows = list(rows)
    preview = Preview(year, (ctx.window_start, ctx.window_end), list(compiled.facts))
    for household_id, number, region_code, total, *values in rows:
        preview.count = total
        preview.households.append(PreviewHousehold(
            household_id, number, region_code,
            {name: _json_value(value, FACTS[name].type) for name, value in zip(compiled.facts, values, strict=True)},
        ))
    return preview
