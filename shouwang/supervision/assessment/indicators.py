"""The assessment indicators (考核指标), each declared once: its names, direction, unit and formula.

An indicator is a function over a :class:`Scope` (a region prefix, the code length of the areas
to compare and a period) that answers, for every area at once, a :class:`IndicatorValue`
(numerator, denominator, value). Each formula is one or two GROUP BY queries over the whole
scope (``Substr(region_code, 1, length)``), never a query per township or village, so a county
scorecard costs a few queries per indicator whatever its size.

The ``formula`` of each declaration is the formula as the pages show it (``Indicator.formula``, a
``gettext_lazy`` string, so that makemessages extracts it); keep it exact, and keep the function's
docstring (its one-line summary) in step with it. Dates are inclusive: a period is ``start`` …
``end``; timestamps are compared by their local date. "Monitored at the end of the period" is the
same set for every indicator that uses it (:func:`monitored_at`), so that percentages of monitored
households agree with each other.

An indicator that cannot be computed (no data-quality run covers the period) answers ``None``
for the whole scope and is shown as "not available": a fake number would rank townships on nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Scale(models.TextChoices):
    """How a value becomes 0–100 points (see ``shouwang.supervision.assessment.services.normalise``)."""

    PERCENT = "percent", _("Percentage: the value itself (lower-is-better: 100 minus the value)")
    RELATIVE = "relative", _("Relative: best area in the comparison 100, worst 0, linear between")


@dataclass(frozen=True)
class Scope:
    """Where and when: areas are ``region_code[:length]`` of rows whose code starts with ``prefix``.

    ``as_of`` is the day the figures are computed on (today when None): in a period still running,
    nothing can be late that is not yet due.
    """

    prefix: str
    length: int
    start: date
    end: date
    as_of: date | None = None

    @property
    def late_before(self) -> date:
        """A deadline before this day has passed: the period's last day, or today in a running period."""
        return min(self.end, self.as_of or timezone.localdate())

    def area(self, field_name: str = "region_code") -> Substr:
        return Substr(field_name, 1, self.length)


@dataclass(frozen=True)
class IndicatorValue:
    """``value`` is None when the indicator does not apply to the area (nothing to measure)."""

    numerator: float | None
    denominator: float | None
    value: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


Formula = Callable[[Scope], "dict[str, IndicatorValue] | None"]


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: Promise
    direction: str
    unit: Promise
    scale: str
    weight: int  # the default weight, until the county sets its own
    formula_function: Formula = field(repr=False)
    counts: bool = False  # a plain count: an area without rows has 0, not "does not apply"
    unit_zh: str = "%"  # for Chinese column headers of exports
    formula_text: Promise | str = ""  # the formula as the pages show it (paragraphs split by a blank line)

    @property
    def name(self) -> str:
        """Chinese on Chinese pages (the official term), the translation elsewhere."""
        return str(self.name_en) if (get_language() or "").startswith("en") else self.name_zh

    @property
    def direction_label(self) -> str:
        return str(Direction(self.direction).label)

    @property
    def scale_label(self) -> str:
        return str(Scale(self.scale).label)

    @property
    def formula(self) -> str:
        """The formula as the pages show it, in the active language."""
        return str(self.formula_text)

    def compute(self, scope: Scope) -> dict[str, IndicatorValue] | None:
        return self.formula_function(scope)

    def empty(self) -> IndicatorValue:
        """The value of an area the formula found no rows for."""
        return IndicatorValue(0, None, 0) if self.counts else IndicatorValue(0, 0, None)


INDICATORS: dict[str, Indicator] = {}

PERCENT_UNIT = _("%")


def indicator(*, code: str, name_zh: str, name_en: Promise, direction: str, unit: Promise, scale: str, weight: int,
              formula: Promise, counts: bool = False, unit_zh: str = "%") -> Callable[[Formula], Formula]:
    """Declare a formula as an indicator (registration order is the order on every page).

    ``formula`` is the text the pages show: a ``gettext_lazy`` string, paragraphs split by a blank line.
    """

    def register(function: Formula) -> Formula:
        INDICATORS[code] = Indicator(code, name_zh, name_en, direction, unit, scale, weight, function, counts, unit_zh,
                                     formula)
        return function

    return register


def percent(numerator: int, denominator: int) -> IndicatorValue:
    value = round(100 * numerator / denominator, 1) if denominator else None
    return IndicatorValue(numerator, denominator, value)


def ratio(numerator: int, denominator: int, per: int = 1, digits: int = 2) -> IndicatorValue:
    value = round(per * numerator / denominator, digits) if denominator else None
    return IndicatorValue(numerator, denominator, value)


def _grouped(queryset: QuerySet, scope: Scope, field_name: str = "region_code", **aggregates: Any) -> dict[str, dict]:
    """One GROUP BY area query: {area: {name: aggregate}}."""
    rows = (
        queryset.filter(**{f"{field_name}__startswith": scope.prefix}).order_by()
        .annotate(area=scope.area(field_name)).values("area").annotate(**aggregates)
    )
    return {row.pop("area"): row for row in rows}


# --- shared sets ---------------------------------------------------------------------------------


def monitored_at(scope: Scope) -> QuerySet:
    """Cases monitored at the end of the period: identified on or before it and not eliminated by then.

    Status monitored, eliminating or eliminated (an elimination after the period end still
    counts as monitored at the end); cases being identified and rejected cases do not count.
    """
    from shouwang.cases.models import Case, CaseStatus

    return Case.objects.filter(
        region_code__startswith=scope.prefix, identified_on__lte=scope.end,
        status__in=(CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED),
    ).filter(Q(eliminated_on__isnull=True) | Q(eliminated_on__gt=scope.end))


def measures_in_place(as_of: date) -> QuerySet:
    """A case's measures in place or completed (not planned, not stopped) that had started by ``as_of``.

    For ``Exists`` over cases; the dashboards count with the same set (``aggregates``), so both agree.
    """
    from shouwang.cases.models import Measure, MeasureStatus

    return Measure.objects.filter(
        case=OuterRef("pk"), status__in=(MeasureStatus.ACTIVE, MeasureStatus.DONE),
    ).filter(Q(starts_on__isnull=True) | Q(starts_on__lte=as_of))


def _household_share(cases: QuerySet, scope: Scope, having: Exists) -> dict[str, IndicatorValue]:
    """Households of ``cases`` for which ``having`` holds, as a percentage of those households, per area."""
    counts = _grouped(
        cases.annotate(has=having), scope,
        part=Count("household_id", filter=Q(has=True), distinct=True),
        whole=Count("household_id", distinct=True),
    )
    return {area: percent(c["part"], c["whole"]) for area, c in counts.items()}


def _timeliness(queryset: QuerySet, scope: Scope, decided_statuses: tuple[str, ...],
                excluded_statuses: tuple[str, ...] = ()) -> dict[str, IndicatorValue]:
    """On time = decided by the due date; shared by procedures and warnings (both have due_date, closed_at).

    An undecided one is judged (as late) only once its due date has passed: one due later in a
    period still running is neither on time nor late yet.
    """
    rows = queryset.exclude(status__in=excluded_statuses).exclude(due_date__isnull=True).annotate(
        closed_on=TruncDate("closed_at"),
    )
    decided = Q(status__in=decided_statuses, closed_on__gte=scope.start, closed_on__lte=scope.end)
    late_undecided = (
        Q(due_date__gte=scope.start, due_date__lt=scope.late_before)
        & (Q(closed_at__isnull=True) | Q(closed_on__gt=scope.end))
    )
    counts = _grouped(
        rows, scope,
        on_time=Count("id", filter=decided & Q(closed_on__lte=F("due_date"))),
        judged=Count("id", filter=decided | late_undecided),
    )
    return {area: percent(c["on_time"], c["judged"]) for area, c in counts.items() if c["judged"]}


# --- the indicators ------------------------------------------------------------------------------


@indicator(code="identification_on_time", name_zh="识别纳入及时率", name_en=_("Identification within the time limit"),
           direction=Direction.HIGHER, unit=PERCENT_UNIT, scale=Scale.PERCENT, weight=20,
           formula=_(
               "Identification procedures decided on time, as a share of those to be judged in the "
               "period.\n\n"
               "Judged: every identification procedure decided (completed or rejected) in the "
               "period, plus every one still undecided at the end of the period whose due date fell "
               "in the period before its last day and has passed (already late, so it counts against "
               "the period even if decided later; in a period still running, one not yet due is not "
               "judged). On time: decided on or before its due date. Withdrawn "
               "procedures are not judged. Value = on time ÷ judged × 100."
           ))
def identification_on_time(scope: Scope) -> dict[str, IndicatorValue]:
    """Identification procedures decided on time, as a share of those to be judged in the period."""
    from shouwang.cases.models import Procedure, ProcedureKind, ProcedureStatus

    return _timeliness(
        Procedure.objects.filter(kind=ProcedureKind.IDENTIFICATION), scope,
        decided_statuses=(ProcedureStatus.DONE, ProcedureStatus.REJECTED),
        excluded_statuses=(ProcedureStatus.WITHDRAWN,),
    )


@indicator(code="warnings_on_time", name_zh="预警核实及时率", name_en=_("Warnings verified within the deadline"),
           direction=Direction.HIGHER, unit=PERCENT_UNIT, scale=Scale.PERCENT, weight=15,
           formula=_(
               "Warnings closed on time, as a share of those to be judged in the period.\n\n"
               "Judged: every warning closed (dismissed or escalated to a case) in the period, plus "
               "every one still open at the end of the period whose verify-by date fell in the "
               "period before its last day and has passed (in a period still running, a warning not "
               "yet due is not judged). On time: closed on or before its verify-by date. "
               "Warnings without a verify-by date are not judged. Value = on time ÷ judged × 100."
           ))
def warnings_on_time(scope: Scope) -> dict[str, IndicatorValue]:
    """Warnings closed on time, as a share of those to be judged in the period."""
    from shouwang.monitoring.models import Warning, WarningStatus

    return _timeliness(
        Warning.objects.all(), scope, decided_statuses=(WarningStatus.DISMISSED, WarningStatus.ESCALATED)
    )


@indicator(code="measures_coverage", name_zh="监测户帮扶措施落实率", name_en=_("Monitored households with measures"),
           direction=Direction.HIGHER, unit=PERCENT_UNIT, scale=Scale.PERCENT, weight=15,
           formula=_(
               "Monitored households with at least one measure in place, as a share of monitored "
               "households.\n\n"
               "Monitored households: cases identified on or before the period end and not "
               "eliminated by then. With a measure: at least one measure in place or completed (not "
               "planned or stopped) that started on or before the period end. Value = with a "
               "measure ÷ monitored × 100."
           ))
def measures_coverage(scope: Scope) -> dict[str, IndicatorValue]:
    """Monitored households with at least one measure in place, as a share of monitored households."""
    return _household_share(monitored_at(scope), scope, Exists(measures_in_place(scope.end)))


@indicator(code="development_measures", name_zh="有劳动能力监测户开发式帮扶覆盖率",
           name_en=_("Households with labour capacity that have a development measure"),
           direction=Direction.HIGHER, unit=PERCENT_UNIT, scale=Scale.PERCENT, weight=15,
           formula=_(
               "Monitored households with labour capacity that have a development measure, as a "
               "share of them.\n\n"
               "With labour capacity: the household is not flagged as wholly without labour and at "
               "least one member has skilled, ordinary or weak labour capacity. Development "
               "measure: an industry or employment measure (the measure type's development flag) in "
               "place or completed that started on or before the period end. Monitored as for "
               "\"monitored households with measures\". Value = with a development measure ÷ "
               "monitored with labour capacity × 100."
           ))
def development_measures(scope: Scope) -> dict[str, IndicatorValue]:
    """Monitored households with labour capacity that have a development measure, as a share of them."""
    from shouwang.registry.models import Labour, Member

    able = Exists(Member.objects.filter(household_id=OuterRef("household_id"), labour__in=Labour.able()))
    development = Exists(measures_in_place(scope.end).filter(measure_type__is_development=True))
    return _household_share(monitored_at(scope).filter(household__no_labour=False).filter(able), scope, development)


@indicator(code="visits_per_household", name_zh="监测户走访频次", name_en=_("Visits per monitored household"),
           direction=Direction.HIGHER, unit=_("visits per household"), scale=Scale.RELATIVE, weight=10,
           unit_zh="次/户",
           formula=_(
               "Cadre visits in the period to monitored households, per monitored household.\n\n"
               "Visits: visit records dated in the period whose household is monitored at the "
               "period end. Monitored as for \"monitored households with measures\". Value = visits ÷ "
               "monitored households (two decimals)."
           ))
def visits_per_household(scope: Scope) -> dict[str, IndicatorValue]:
    """Cadre visits in the period to monitored households, per monitored household."""
    from shouwang.monitoring.models import Visit

    monitored = monitored_at(scope)
    households = _grouped(monitored, scope, n=Count("household_id", distinct=True))
    visits = _grouped(
        Visit.objects.filter(visited_on__gte=scope.start, visited_on__lte=scope.end,
                             household_id__in=monitored.values("household_id")),
        scope, n=Count("id"),
    )
    return {area: ratio(visits.get(area, {}).get("n", 0), c["n"]) for area, c in households.items()}


@indicator(code="eliminations_consistent", name_zh="风险消除规范率",
           name_en=_("Eliminations that pass the consistency checks"),
           direction=Direction.HIGHER, unit=PERCENT_UNIT, scale=Scale.PERCENT, weight=10,
           formula=_(
               "Risk eliminations of the period with no consistency problem, as a share of the "
               "period's eliminations.\n\n"
               "Eliminations: cases whose risk was eliminated (status eliminated) on a date in the "
               "period. Consistent: the consistency checks of the cases part find no problem on the "
               "case (a late entry recorded with its reason is not counted as a problem here). "
               "Value = consistent ÷ eliminations × 100."
           ))
def eliminations_consistent(scope: Scope) -> dict[str, IndicatorValue]:
    """Risk eliminations of the period with no consistency problem, as a share of the period's eliminations."""
    from shouwang.cases.consistency.rules import CHECKS, find_problems
    from shouwang.cases.models import Case, CaseStatus

    eliminated = Case.objects.filter(
        region_code__startswith=scope.prefix, status=CaseStatus.ELIMINATED,
        eliminated_on__gte=scope.start, eliminated_on__lte=scope.end,
    )
    # A late entry (补录) was accepted with its reason and is reviewed on the consistency page; it
    # is not a flaw of the elimination itself.
    codes = [check.code for check in CHECKS if check.code != "late_entry"]
    flawed = {problem.case_id for problem in find_problems(eliminated, codes=codes)}
    totals: dict[str, list[int]] = {}
    for case_id, region_code in eliminated.values_list("id", "region_code"):
        counts = totals.setdefault(region_code[:scope.length], [0, 0])
        counts[1] += 1
        counts[0] += case_id not in flawed
    return {area: percent(good, total) for area, (good, total) in totals.items()}


@indicator(code="quality_errors", name_zh="数据质量问题率", name_en=_("Data-quality errors per 100 households"),
           direction=Direction.LOWER, unit=_("per 100 households"), scale=Scale.RELATIVE, weight=10,
           unit_zh="个/百户",
           formula=_(
               "Data-quality errors per 100 registered households.\n\n"
               "Errors: findings of severity \"error\" left by the latest data-quality run over the "
               "county, counted in the "
               "village that must fix them. Households: households in the registry of the area. Value = errors ÷ "
               "households × 100 (one decimal). Findings are the current state, not a history: the "
               "indicator is available only when the latest run over the county finished by the end "
               "of the period, and otherwise shows as not available rather than as zero errors."
           ))
def quality_errors(scope: Scope) -> dict[str, IndicatorValue] | None:
    """Data-quality errors per 100 registered households."""
    from shouwang.registry.models import Household
    from shouwang.supervision.quality.models import DataQualityRun
    from shouwang.supervision.quality.services import error_counts

    covering = [scope.prefix[:n] for n in range(len(scope.prefix) + 1)]
    latest = (
        DataQualityRun.objects.filter(region_code__in=covering, finished_at__isnull=False)
        .order_by("-finished_at").values_list("finished_at", flat=True).first()
    )
    if latest is None or timezone.localdate(latest) > scope.end:
        return None
    errors: dict[str, int] = {}
    for village, n in error_counts(scope, region=scope.prefix).items():
        errors[village[:scope.length]] = errors.get(village[:scope.length], 0) + int(n)
    households = _grouped(Household.objects.all(), scope, n=Count("id"))
    return {
        area: ratio(errors.get(area, 0), households.get(area, {}).get("n", 0), per=100, digits=1)
        for area in set(households) | set(errors)
    }


@indicator(code="returns", name_zh="风险消除后返贫数", name_en=_("Returns to monitoring after elimination"),
           direction=Direction.LOWER, unit=_("returns"), scale=Scale.RELATIVE, weight=5, counts=True,
           unit_zh="次",
           formula=_(
               "Rollbacks of a risk elimination and re-identifications after elimination in the "
               "period.\n\n"
               "Counts the case transitions \"roll back the elimination\" (风险消除回退) and \"identify "
               "again on a new risk\" (风险再标注) dated in the period. Value = that count."
           ))
def returns(scope: Scope) -> dict[str, IndicatorValue]:
    """Rollbacks of a risk elimination and re-identifications after elimination in the period."""
    from shouwang.cases.models import Transition

    rows = Transition.objects.filter(action__in=RETURN_ACTIONS).annotate(on=TruncDate("at")).filter(
        on__gte=scope.start, on__lte=scope.end,
    )
    counts = _grouped(rows, scope, field_name="case__region_code", n=Count("id"))
    return {area: IndicatorValue(c["n"], None, c["n"]) for area, c in counts.items()}


RETURN_ACTIONS = ("rollback_elimination", "reidentify")


def compute_all(
    scope: Scope, progress: Callable[[str], None] | None = None
) -> dict[str, dict[str, IndicatorValue] | None]:
    """Every indicator over one scope: {code: {area: value}} (None for an indicator not available)."""
    results: dict[str, dict[str, IndicatorValue] | None] = {}
    for code, spec in INDICATORS.items():
        results[code] = spec.compute(scope)
        if progress is not None:
            progress(code)
    return results
