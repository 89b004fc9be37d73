"""Scorecards of townships and villages (考核评估): weights, normalisation, score, rank and change.

How a score is made, for one period and one set of compared areas (the townships of a county,
or the villages of one township):

1. every indicator of :mod:`shouwang.supervision.assessment.indicators` gives each area a value;
2. each value becomes 0–100 points (:func:`normalise`): a percentage counts as itself when
   higher is better and as 100 minus itself when lower is better; any other value (visits per
   household, errors per 100 households, a count) is placed between the worst area of the
   comparison (0 points) and the best (100 points), linearly; when all areas are equal, all
   get 100;
3. the score is the weighted mean of the points, over the indicators that apply to the area
   (:func:`weighted_score`): Σ weight × points ÷ Σ weight. An indicator that does not apply
   (no procedure to time, no monitored household) or is not available leaves the score and its
   weight out instead of counting as 0, so a township is not punished for having nothing to do;
   an area where only plain counts apply (no procedure, warning or monitored household at all)
   has no score and no rank;
4. areas are ranked by score, highest first; equal scores share a rank (1, 2, 2, 4);
5. the previous period is the period of the same length that ends the day before this one
   starts; it is scored with the *same* weights, so a change of weights never shows as a change
   of performance. Score change = score − previous score; rank change = previous rank − rank
   (positive: moved up).

Who sees what: rows are region-scoped. The county (officers, the administrator, leaders,
auditors) sees every township and village. A township officer sees their own township's row
(with its rank number among the county's townships, but not the other townships' names or
scores) and their villages; a village cadre sees their own village's row. Only county officers
and the administrator set weights and start a computation.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import can, home_region, require
from shouwang.regions.models import Region

from .indicators import INDICATORS, Direction, Indicator, IndicatorValue, Scale, Scope, compute_all
from .models import ScorecardLevel, ScorecardRow, ScorecardSnapshot, ScorecardWeights

COUNTY_LENGTH, TOWNSHIP_LENGTH, VILLAGE_LENGTH = 6, 9, 12
LEVEL_LENGTHS = ((ScorecardLevel.TOWNSHIP, TOWNSHIP_LENGTH), (ScorecardLevel.VILLAGE, VILLAGE_LENGTH))
MAX_WEIGHT = 1000
MAX_NOTE = 1000
MAX_PERIOD_DAYS = 366 * 3


# --- whose scorecards (who may do what: ``permissions``) ------------------------------------------


def county_of(user) -> str:
    """The county whose scorecard the user works with ("" when the user has none)."""
    prefix = home_region(user) or ""
    return prefix[:COUNTY_LENGTH] if len(prefix) >= COUNTY_LENGTH else ""


def counties_for(user) -> list[Region]:
    """Counties the user may look at: their own, or those under a prefecture or province."""
    if not can(user, "view"):
        return []
    prefix = home_region(user) or ""
    if len(prefix) >= COUNTY_LENGTH:
        return list(Region.objects.filter(code=prefix[:COUNTY_LENGTH]))
    return list(Region.objects.filter(code__startswith=prefix, level=Region.Level.COUNTY).order_by("code"))


def chosen_county(counties: Iterable[Region], wanted: str | None) -> str:
    """The county asked for when it is one of ``counties`` (the user's), else the first ("" when none)."""
    codes = [county.code for county in counties]
    return wanted if wanted in codes else (codes[0] if codes else "")


def _acting(user):
    return acting_unless_known(user, "supervision")


# --- weights ------------------------------------------------------------------------------------


def default_weights() -> dict[str, float]:
    return {code: float(spec.weight) for code, spec in INDICATORS.items()}


def current_weights(county: str) -> tuple[ScorecardWeights | None, dict[str, float]]:
    """The county's latest weights version and its weights (the defaults before any is saved)."""
    latest = ScorecardWeights.objects.filter(region_code=county).order_by("-version").first()
    if latest is None:
        return None, default_weights()
    weights = {code: float(latest.weights.get(code, 0)) for code in INDICATORS}
    return latest, weights


def clean_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """Known indicators only, each a number from 0 to 1000, at least one above 0."""
    unknown = sorted(set(weights) - set(INDICATORS))
    if unknown:
        raise ValidationError(_("Unknown indicator: %(codes)s.") % {"codes": ", ".join(unknown)})
    cleaned: dict[str, float] = {}
    for code in INDICATORS:
        raw = weights.get(code, 0)
        try:
            value = float(raw if raw not in (None, "") else 0)
        except (TypeError, ValueError):
            raise ValidationError(_("The weight of “%(name)s” is not a number.") % {"name": INDICATORS[code].name}) \
                from None
        if not 0 <= value <= MAX_WEIGHT or value != value:  # value != value: NaN
            raise ValidationError(_("A weight is a number from 0 to %(max)d.") % {"max": MAX_WEIGHT})
        cleaned[code] = round(value, 2)
    if not any(cleaned.values()):
        raise ValidationError(_("At least one indicator needs a weight above 0."))
    return cleaned


def save_weights(user, county: str, weights: Mapping[str, Any], note: str = "") -> ScorecardWeights:
    """Add a new version of the county's weights (the old ones stay as history) and log the change."""
    require(user, "supervision.manage_assessment", county or None)
    cleaned = clean_weights(weights)
    note = " ".join((note or "").split())[:MAX_NOTE]
    with transaction.atomic(), _acting(user):
        # Serialise versions per county: the unique constraint turns a lost race into an error.
        previous = ScorecardWeights.objects.select_for_update().filter(region_code=county).order_by("-version").first()
        before = {code: float(previous.weights.get(code, 0)) for code in INDICATORS} if previous else default_weights()
        if previous is not None and before == cleaned:
            return previous
        version = ScorecardWeights.objects.create(
            region_code=county, version=(previous.version + 1) if previous else 1, weights=cleaned, note=note,
            created_by=user if getattr(user, "pk", None) else None,
        )
        record_changes([Change(
            action="create" if previous is None else "update", object_type="supervision.scorecardweights",
            object_id=county, object_repr=f"{county} v{version.version}", region_code=county,
            before={"version": previous.version, "weights": before} if previous else {"weights": before},
            after={"version": version.version, "weights": cleaned, "note": note},
        )])
    return version


def weights_history(county: str) -> QuerySet[ScorecardWeights]:
    return ScorecardWeights.objects.filter(region_code=county).select_related("created_by").order_by("-version")


# --- periods ------------------------------------------------------------------------------------


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same number of days that ends the day before ``start``."""
    previous_end = start - timedelta(days=1)
    return previous_end - (end - start), previous_end


def validate_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationError(_("The period must end on or after its first day."))
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError(_("A period is at most three years."))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class PeriodChoice:
    key: str
    label: str
    start: date
    end: date


def period_choices(today: date | None = None) -> list[PeriodChoice]:
    """Ready-made periods for the picker: last month, this and last quarter, this and last year."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_end = quarter_start - timedelta(days=1)
    last_quarter_start = date(last_quarter_end.year, last_quarter_end.month - 2, 1)
    return [
        PeriodChoice("last_month", _("Last month"), last_month_end.replace(day=1), last_month_end),
        PeriodChoice("this_month", _("This month"), first, _month_end(today.year, today.month)),
        PeriodChoice("last_quarter", _("Last quarter"), last_quarter_start, last_quarter_end),
        PeriodChoice("this_quarter", _("This quarter"), quarter_start,
                     _month_end(today.year, quarter_start.month + 2)),
        PeriodChoice("last_year", _("Last year"), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        PeriodChoice("this_year", _("This year"), date(today.year, 1, 1), date(today.year, 12, 31)),
    ]


# --- normalisation, score, rank --------------------------------------------------------------


def normalise(spec: Indicator, values: Mapping[str, IndicatorValue]) -> dict[str, float | None]:
    """0–100 points per area for one indicator within one comparison (see the module docstring)."""
    present = {area: v.value for area, v in values.items() if v.value is not None}
    points: dict[str, float | None] = dict.fromkeys(values)
    if spec.scale == Scale.PERCENT:
        for area, value in present.items():
            clipped = min(100.0, max(0.0, float(value)))
            points[area] = clipped if spec.direction == Direction.HIGHER else 100.0 - clipped
        return points
    if not present:
        return points
    high, low = max(present.values()), min(present.values())
    best, worst = (high, low) if spec.direction == Direction.HIGHER else (low, high)
    for area, value in present.items():
        points[area] = 100.0 if best == worst else round(100.0 * (value - worst) / (best - worst), 2)
    return points


def weighted_score(points: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Σ weight × points ÷ Σ weight over the indicators with points; None when none applies."""
    total = weight_sum = 0.0
    for code, value in points.items():
        weight = weights.get(code, 0.0)
        if value is None or weight <= 0:
            continue
        total += weight * value
        weight_sum += weight
    return round(total / weight_sum, 1) if weight_sum else None


def rank(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Competition ranking, highest score first; areas without a score have no rank."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first_place: dict[float, int] = {}
    for position, score in enumerate(ordered, start=1):
        first_place.setdefault(score, position)
    return {area: (first_place[s] if s is not None else None) for area, s in scores.items()}


def _measured(points: Mapping[str, float | None]) -> bool:
    """Something other than a plain count applies: an area with no case, warning or visit at all
    would otherwise score 100 on "no returns" alone and top the ranking for doing nothing."""
    return any(value is not None for code, value in points.items() if not INDICATORS[code].counts)


@dataclass
class AreaResult:
    code: str
    level: str
    parent: str
    values: dict[str, IndicatorValue] = field(default_factory=dict)
    points: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    rank_of: int = 0


def _areas(county: str, length: int) -> dict[str, str]:
    """Code → name of every township (or village) of the county, those without data included."""
    return dict(
        Region.objects.annotate(code_length=Length("code"))
        .filter(code__startswith=county, code_length=length).values_list("code", "name")
    )


def evaluate(county: str, start: date, end: date, weights: Mapping[str, float],
             progress: Callable[[str], None] | None = None) -> dict[str, AreaResult]:
    """Values, points, scores and ranks of every township and village of the county for a period.

    Two passes over the indicators (townships, then villages): each indicator is a few
    GROUP BY queries for all areas of a level at once.
    """
    results: dict[str, AreaResult] = {}
    for level, length in LEVEL_LENGTHS:
        values = compute_all(Scope(county, length, start, end), progress)
        codes = set(_areas(county, length))
        for per_area in values.values():
            codes |= set(per_area or {})
        groups: dict[str, list[str]] = {}
        for code in sorted(codes):
            parent = code[:length - 3] if level == ScorecardLevel.VILLAGE else county
            groups.setdefault(parent, []).append(code)
            results[code] = AreaResult(code, level, parent)
        for group in groups.values():
            for code, spec in INDICATORS.items():
                per_area = values[code]
                if per_area is None:  # not available: no value, no points
                    continue
                group_values = {area: per_area.get(area) or spec.empty() for area in group}
                points = normalise(spec, group_values)
                for area in group:
                    results[area].values[code] = group_values[area]
                    results[area].points[code] = points[area]
            scores = {
                area: weighted_score(results[area].points, weights) if _measured(results[area].points) else None
                for area in group
            }
            ranks = rank(scores)
            ranked = sum(1 for s in scores.values() if s is not None)
            for area in group:
                results[area].score, results[area].rank, results[area].rank_of = scores[area], ranks[area], ranked
    return results


def unavailable_indicators(results: Mapping[str, AreaResult]) -> list[str]:
    present = {code for result in results.values() for code in result.values}
    return [code for code in INDICATORS if code not in present] if results else []


def compute_snapshot(county: str, start: date, end: date, *, user=None, job=None,
                     progress: Callable[[str], None] | None = None) -> ScorecardSnapshot:
    """Score the county's townships and villages for a period and its previous one, and store it.

    Recomputing a period replaces its snapshot in one transaction, so a page never sees half.
    """
    validate_period(start, end)
    weights_version, weights = current_weights(county)
    previous_start, previous_end = previous_period(start, end)
    current = evaluate(county, start, end, weights, progress)
    previous = evaluate(county, previous_start, previous_end, weights, progress)
    names = _areas(county, TOWNSHIP_LENGTH) | _areas(county, VILLAGE_LENGTH)
    with transaction.atomic(), _acting(user):
        replaced = ScorecardSnapshot.objects.filter(region_code=county, period_start=start, period_end=end)
        replaced_ids = list(replaced.values_list("pk", flat=True))
        replaced.delete()
        snapshot = ScorecardSnapshot.objects.create(
            region_code=county, period_start=start, period_end=end, previous_start=previous_start,
            previous_end=previous_end, weights=weights_version, weights_used=weights,
            unavailable=unavailable_indicators(current), job=job,
            computed_by=user if getattr(user, "pk", None) else None, computed_at=timezone.now(),
        )
        rows = []
        for code, result in current.items():
            before = previous.get(code)
            rows.append(ScorecardRow(
                snapshot=snapshot, region_code=code, level=result.level, parent_code=result.parent,
                name=names.get(code, code), score=result.score, rank=result.rank, rank_of=result.rank_of,
                values={k: v.as_dict() for k, v in result.values.items()}, points=result.points,
                previous_score=before.score if before else None, previous_rank=before.rank if before else None,
                previous_values={k: v.as_dict() for k, v in before.values.items()} if before else {},
            ))
        ScorecardRow.objects.bulk_create(rows, batch_size=500)
        record_changes([Change(
            action="update" if replaced_ids else "create", object_type="supervision.scorecardsnapshot",
            object_id=snapshot.pk, object_repr=str(snapshot), region_code=county,
            before={"replaced": replaced_ids} if replaced_ids else None,
            after={"period": [start.isoformat(), end.isoformat()], "weights_version":
                   weights_version.version if weights_version else None, "rows": len(rows)},
        )])
    return snapshot


# --- reading ------------------------------------------------------------------------------------


def snapshot_for(county: str, start: date, end: date) -> ScorecardSnapshot | None:
    return ScorecardSnapshot.objects.filter(region_code=county, period_start=start, period_end=end).first()


def latest_snapshot(county: str) -> ScorecardSnapshot | None:
    return ScorecardSnapshot.objects.filter(region_code=county).order_by("-period_end", "-computed_at").first()


def visible_rows(user, snapshot: ScorecardSnapshot | None, level: str, parent: str = "") -> QuerySet[ScorecardRow]:
    """The snapshot's rows of one level that the user may see, best first (the scoping choke point)."""
    if snapshot is None:
        return ScorecardRow.objects.none()
    rows = ScorecardRow.objects.restrict(user, "view").filter(snapshot=snapshot, level=level)
    if parent:
        rows = rows.filter(parent_code=parent)
    return rows.select_related("snapshot").order_by("parent_code", F("rank").asc(nulls_last=True), "region_code")


def format_value(spec: Indicator, value: float | None) -> str:
    """A value as the pages and the API show it: 66.7%, 1.25, 3 (empty when it does not apply)."""
    if value is None:
        return ""
    if spec.scale == Scale.PERCENT:
        return f"{value:.1f}%"
    if spec.counts:
        return f"{value:.0f}"
    return f"{value:.2f}"


@dataclass
class Cell:
    spec: Indicator
    value: float | None
    numerator: float | None
    denominator: float | None
    points: float | None
    previous: float | None
    change: float | None
    available: bool

    @property
    def display(self) -> str:
        return format_value(self.spec, self.value)

    @property
    def previous_display(self) -> str:
        return format_value(self.spec, self.previous)

    @property
    def better(self) -> bool | None:
        """Whether the change from the previous period is an improvement (None: no change)."""
        if not self.change:
            return None
        return (self.change > 0) == (self.spec.direction == Direction.HIGHER)


def cells(row: ScorecardRow, specs: Iterable[Indicator] | None = None) -> list[Cell]:
    """A row's indicator values in page order, with the change from the previous period."""
    out = []
    for spec in specs or INDICATORS.values():
        data = row.values.get(spec.code)
        before = (row.previous_values or {}).get(spec.code) or {}
        value = data.get("value") if data else None
        previous = before.get("value")
        out.append(Cell(
            spec=spec, value=value, numerator=data.get("numerator") if data else None,
            denominator=data.get("denominator") if data else None, points=(row.points or {}).get(spec.code),
            previous=previous,
            change=round(value - previous, 2) if value is not None and previous is not None else None,
            available=data is not None,
        ))
    return out
