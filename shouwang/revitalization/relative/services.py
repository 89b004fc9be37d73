"""Relative poverty (相对贫困): the median income, the relative lines and the FGT indices.

For a year and a region (a county, a township or a village) this module gives the people-weighted
median of rural per-capita net income (``HouseholdYear.per_capita_net_income``), the county's
relative lines (its shares of the county's median) and the Foster–Greer–Thorbecke indices
against the monitoring line in force and against each relative line, for the region and for each
township or village in it, and the same figures year by year (the trend).

Conventions (the page says them too, ``CONVENTIONS``):

* **People-weighted.** A household counts as many times as it has members that year
  (``member_count``); its per-capita income is each member's income. Household-years with no
  members (no per-capita income) are left out. N is the number of people.
* **Poor** means a per-capita income strictly below the line: a household exactly at the line
  is not poor.
* **FGT.** With line z and per-capita income y, a poor person's gap is g = (z − y) / z;
  P0 = (people below the line) / N, P1 = Σ g / N, P2 = Σ g² / N, each over people.
* **Zero and negative incomes.** A zero income has the gap 1. A negative net income (business
  costs above the income of the year) is counted as zero: its gap is capped at 1. FGT measures
  how far someone falls short of the line, and falling short by more than everything is not
  meaningful: uncapped, one household's loss of a bad year would make P1 and P2 exceed P0, let
  them leave [0, 1] and let a single farm's accounting swamp the whole village's severity.
  The households with a negative income are poor (P0) like any other below the line.
* **Median.** The median of the people's incomes (each household's per-capita income repeated
  for its members), ordered: with an odd number of people the middle one; with an even number
  the mean of the two middle values (the usual statistical median), so a median of two equal
  halves lies between them.
* **Relative lines.** The relative lines of a year are the county's shares (default 40 % and
  50 %, set per year by the county's officers) of the **county's** median of that year, rounded
  to the fen (half up): one line for the whole county, against which its townships and villages
  are compared. Each area's own median is shown beside it.
* **Monitoring line.** The line in force for the county in that year (``monitoring.lines``:
  lines are set for the country, a province, a prefecture or a county, so one line covers the
  county). A year without one has no monitoring-line figures, and the page says so.

Computed in the database: the counts and sums grouped by township or village (one query per
year and level, conditional sums for every line), the median from cumulative counts of people
ordered by income (a window function, on SQLite as on PostgreSQL): the one or two households
holding the middle positions are the only rows read back. The region's figures are the sums of
its parts'; only medians, which do not add up, are asked of each level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, FloatField, Q, QuerySet, RowRange, Sum, Value, Window
from django.db.models.functions import Cast, Coalesce, Greatest, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import require
from shouwang.core.regioncodes import level_of
from shouwang.monitoring.lines.models import line_in_force
from shouwang.regions.models import Region, region_names
from shouwang.registry.models import HouseholdYear

from .models import COUNTY_LENGTH, DEFAULT_SHARES, RelativeLineShares, clean_shares
from .permissions import EDIT_SHARES

FEN = Decimal("0.01")
HUNDRED = Decimal(100)
# The level whose areas a region's table lists: a county's townships, a township's villages.
CHILD_LENGTH = {6: 9, 9: 12}
MONITORING = "monitoring"

CONVENTIONS = (
    gettext_lazy("People-weighted: a household counts once for each of its members that year."),
    gettext_lazy("Poor means a per-capita income strictly below the line; a household exactly at the line is "
                 "not poor."),
    gettext_lazy("P0 is the share of people below the line, P1 the mean gap (z − y) / z over all people (0 for "
                 "the non-poor), P2 the mean squared gap."),
    gettext_lazy("A zero or negative per-capita income counts as zero: its gap is 1, never more, so that one "
                 "year's business loss does not outweigh everyone else."),
    gettext_lazy("The median is that of the people's incomes; with an even number of people it is the mean of "
                 "the two middle values."),
    gettext_lazy("The relative lines are the county's shares of the county's median of the year, rounded to the "
                 "fen; townships and villages are compared with the same lines."),
)


# --- the county's shares ---------------------------------------------------------------------------


def county_of(code: str) -> str:
    """The county a region lies in ("" above a county)."""
    return code[:COUNTY_LENGTH] if len(code or "") >= COUNTY_LENGTH else ""


def shares_for(county: str, year: int) -> tuple[list[int], RelativeLineShares | None]:
    """The county's shares of the median for ``year`` and the setting they come from (None: the default)."""
    setting = RelativeLineShares.objects.filter(region_code=county, year=year).first()
    if setting is None:
        return list(DEFAULT_SHARES), None
    return [int(share) for share in setting.shares], setting


def save_shares(user, county: str, year: int, shares: Iterable, note: str = "") -> RelativeLineShares:
    """Set the county's shares for ``year`` (the county's officers), recording before and after."""
    require(user, EDIT_SHARES.name, county or None)  # the county's officers, of a county in their region
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Give a year from 2000 to 2100.")})
    cleaned = clean_shares(list(shares))
    note = " ".join((note or "").split())[:500]
    with transaction.atomic(), acting_unless_known(user, "revitalization"):
        setting = RelativeLineShares.objects.select_for_update().filter(region_code=county, year=year).first()
        before = {"shares": setting.shares, "note": setting.note} if setting else None
        if setting is None:
            setting = RelativeLineShares(region_code=county, year=year)
        setting.shares, setting.note = cleaned, note
        setting.changed_by = user if getattr(user, "pk", None) else None
        setting.full_clean()
        after = {"shares": cleaned, "note": note}
        if before != after:
            setting.save()
            record_changes([Change(
                action="update" if before else "create", object_type="revitalization.relativelineshares",
                object_id=setting.pk, object_repr=str(setting), region_code=county,
                before=before or {"shares": list(DEFAULT_SHARES)}, after={"year": year, **after},
            )])
    return setting


def shares_history(county: str) -> QuerySet[RelativeLineShares]:
    return RelativeLineShares.objects.filter(region_code=county).select_related("changed_by").order_by("-year")


# --- the figures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A line the indices are measured against: the monitoring line or a share of the median."""

    key: str
    amount: Decimal
    share: int | None = None  # percent of the median; None for the monitoring line

    @property
    def label(self) -> str:
        if self.share is None:
            return _("Monitoring line")
        return _("%(share)d%% of the median") % {"share": self.share}


@dataclass
class Poverty:
    """The sums behind the FGT indices of one area against one line (people-weighted)."""

    people: int = 0
    poor_people: int = 0
    poor_households: int = 0
    gap_sum: float = 0.0
    severity_sum: float = 0.0

    def add(self, other: Poverty) -> None:
        self.people += other.people
        self.poor_people += other.poor_people
        self.poor_households += other.poor_households
        self.gap_sum += other.gap_sum
        self.severity_sum += other.severity_sum

    @property
    def p0(self) -> float | None:
        return self.poor_people / self.people if self.people else None

    @property
    def p1(self) -> float | None:
        return self.gap_sum / self.people if self.people else None

    @property
    def p2(self) -> float | None:
        return self.severity_sum / self.people if self.people else None


@dataclass
class Area:
    """One region's figures for one year: people, households, its own median, and the indices per line."""

    code: str
    name: str = ""
    people: int = 0
    households: int = 0
    median: Decimal | None = None
    poverty: dict[str, Poverty] = field(default_factory=dict)

    @property
    def level(self) -> str | None:
        return level_of(self.code)

    def add(self, other: Area) -> None:
        self.people += other.people
        self.households += other.households
        for key, sums in other.poverty.items():
            self.poverty.setdefault(key, Poverty()).add(sums)


@dataclass
class YearFigures:
    """A year's figures for a region: the county's median and lines, the region, and its parts."""

    year: int
    region: Area
    county: str
    county_median: Decimal | None
    lines: list[Line]
    parts: list[Area]
    shares: list[int]
    shares_set: bool  # the county set this year's shares (else the default applies)
    monitoring_line_missing: bool


def _rows(year: int, prefix: str) -> QuerySet[HouseholdYear]:
    """The household-years of a year in a region that have people (and so a per-capita income)."""
    return HouseholdYear.objects.filter(year=year, region_code__startswith=prefix, member_count__gt=0)


def median_sql(rows: QuerySet[HouseholdYear], length: int, *, one_area: bool = False) -> tuple[str, tuple]:
    """The SQL of :func:`weighted_medians` (and its parameters): the middle households of each area.

    The running count is a ROWS frame ordered by income alone: households of equal income are
    counted one after the other in some order, which changes no income at any position. With
    ``one_area`` (every row lies in the same area) nothing is partitioned, one sort key fewer.
    """
    area = Substr("region_code", 1, length)
    partition = [] if one_area else [area]
    ranked = rows.order_by().annotate(
        area=area,
        cum=Window(Sum("member_count"), partition_by=partition, order_by=[F("per_capita_net_income").asc()],
                   frame=RowRange(start=None, end=0)),
        total=Window(Sum("member_count"), partition_by=partition),
    ).values_list("area", "per_capita_net_income", "member_count", "cum", "total")
    # The windows computed once in the inner query; the outer one keeps the middle households
    # (filtering on window functions through the ORM would repeat each window per condition).
    inner, params = ranked.query.sql_with_params()
    return (f"SELECT r.area, r.per_capita_net_income, r.cum - r.member_count, r.cum, r.total FROM ({inner}) r "
            f"WHERE 2 * r.cum >= r.total AND 2 * (r.cum - r.member_count) <= r.total"), tuple(params)


def weighted_medians(rows: QuerySet[HouseholdYear], length: int, *, one_area: bool = False) -> dict[str, Decimal]:
    """Area code (the first ``length`` digits) → the people-weighted median of per-capita net income.

    In the database: people counted cumulatively in order of income within each area
    (``cum``, and ``before`` = ``cum`` − the household's members), and the total; position p
    (1-based) is held by the household with before < p ≤ cum. The middle positions are
    low = ⌈N/2⌉ and high = ⌊N/2⌋ + 1 (the same one for an odd N); the households holding them are
    those with 2·cum ≥ N and 2·before ≤ N, at most two per area, the only rows read back.
    """
    middle, params = median_sql(rows, length, one_area=one_area)
    found: dict[str, dict[int, Decimal]] = {}
    with connection.cursor() as cursor:
        cursor.execute(middle, params)
        found_rows = cursor.fetchall()
    for code, income, before, cum, total in found_rows:
        total = int(total)
        for position in ((total + 1) // 2, total // 2 + 1):
            if int(before) < position <= int(cum):
                found.setdefault(code, {})[position] = Decimal(str(income)).quantize(FEN)  # SQLite: a float
    medians = {}
    for code, values in found.items():
        middle_values = list(values.values())
        medians[code] = sum(middle_values, Decimal(0)) / len(middle_values)
    return medians


def median_of(year: int, code: str) -> Decimal | None:
    """The people-weighted median of a region's per-capita net income in ``year`` (None without people)."""
    return weighted_medians(_rows(year, code), len(code), one_area=True).get(code)


def relative_line(median: Decimal, share: int) -> Decimal:
    """``share`` percent of the median, rounded to the fen (half up)."""
    return (median * Decimal(share) / HUNDRED).quantize(FEN, rounding=ROUND_HALF_UP)


def lines_of(year: int, county: str, county_median: Decimal | None, shares: Iterable[int]) -> list[Line]:
    """The monitoring line in force (if any) and the relative lines (if the county has a median)."""
    lines = []
    monitoring = line_in_force(county, year)
    if monitoring is not None:
        lines.append(Line(MONITORING, Decimal(monitoring.amount)))
    if county_median is not None:
        lines += [Line(f"relative_{share}", relative_line(county_median, share), share) for share in shares]
    return lines


def poverty_sums(rows: QuerySet[HouseholdYear], length: int, lines: Iterable[Line]) -> dict[str, Area]:
    """Area code (first ``length`` digits) → its people, households and FGT sums for each line.

    One grouped query: for each line z, people below it (Σ members where y < z), households below
    it, Σ members·g and Σ members·g², with g = (z − max(y, 0)) / z, in floating point (the
    database's double precision: SQLite would divide integers as integers otherwise).
    """
    income = Cast("per_capita_net_income", FloatField())
    members = Cast("member_count", FloatField())
    sums: dict[str, object] = {"people": Sum("member_count"), "households": Count("pk")}
    lines = list(lines)
    for line in lines:
        z = Value(float(line.amount), output_field=FloatField())
        below = Q(per_capita_net_income__lt=line.amount)
        gap = (z - Greatest(income, Value(0.0, output_field=FloatField()))) / z
        zero = Value(0.0, output_field=FloatField())
        sums[f"{line.key}__poor"] = Coalesce(Sum("member_count", filter=below), 0)
        sums[f"{line.key}__households"] = Count("pk", filter=below)
        sums[f"{line.key}__gap"] = Coalesce(Sum(members * gap, filter=below, output_field=FloatField()), zero)
        sums[f"{line.key}__severity"] = Coalesce(
            Sum(members * gap * gap, filter=below, output_field=FloatField()), zero)
    grouped = rows.annotate(area=Substr("region_code", 1, length)).values("area").annotate(**sums).order_by()
    areas = {}
    for row in cast(Iterable[dict[str, Any]], grouped):
        area = Area(code=row["area"], people=int(row["people"] or 0), households=int(row["households"]))
        for line in lines:
            area.poverty[line.key] = Poverty(
                people=area.people, poor_people=int(row[f"{line.key}__poor"]),
                poor_households=int(row[f"{line.key}__households"]),
                gap_sum=float(row[f"{line.key}__gap"]), severity_sum=float(row[f"{line.key}__severity"]),
            )
        areas[area.code] = area
    return areas


def data_years(region: str) -> list[int]:
    """The years with household-year records in a region, oldest first."""
    years = HouseholdYear.objects.filter(region_code__startswith=region).values_list("year", flat=True)
    return sorted(set(years.distinct().order_by()))


def figures(year: int, region: str, *, parts: bool = True) -> YearFigures:
    """A year's figures for a region (a county or a region inside one) and, with ``parts``, for each
    township (of a county) or village (of a township) in it, every one listed, with or without people.

    Access is the caller's to check (``can(user, "view", region)``): the page, the API and the export do.
    """
    county = county_of(region)
    if not county:
        raise ValueError(f"relative-poverty figures are a county's or below: {region!r}")
    county_median = median_of(year, county)
    shares, setting = shares_for(county, year)
    lines = lines_of(year, county, county_median, shares)
    child_length = CHILD_LENGTH.get(len(region)) if parts else None
    rows = _rows(year, region)
    length = child_length or len(region)
    grouped = poverty_sums(rows, length, lines)
    total = Area(code=region)
    for area in grouped.values():
        total.add(area)
    for line in lines:
        total.poverty.setdefault(line.key, Poverty())
    total.median = county_median if region == county else median_of(year, region)
    part_list: list[Area] = []
    if child_length:
        medians = weighted_medians(rows, child_length)
        codes = set(Region.objects.filter(parent_code=region).values_list("code", flat=True)) | set(grouped)
        codes = {code for code in codes if len(code) == child_length}
        names = region_names(codes)
        for code in sorted(codes):
            area = grouped.get(code) or Area(code=code)
            for line in lines:
                area.poverty.setdefault(line.key, Poverty())
            area.name, area.median = names.get(code, ""), medians.get(code)
            part_list.append(area)
    total.name = region_names([region]).get(region, "")
    return YearFigures(
        year=year, region=total, county=county, county_median=county_median, lines=lines, parts=part_list,
        shares=shares, shares_set=setting is not None,
        monitoring_line_missing=not any(line.key == MONITORING for line in lines),
    )


def trend(region: str, years: Iterable[int] | None = None, known: YearFigures | None = None) -> list[YearFigures]:
    """The region's figures for each year with data (oldest first), without the parts; ``known``: one
    year's figures already computed for the region (the page's year), used as they are."""
    return [
        known if known is not None and known.year == year and known.region.code == region
        else figures(year, region, parts=False)
        for year in (data_years(region) if years is None else years)
    ]


def line_keys(years: Iterable[YearFigures]) -> list[tuple[str, str]]:
    """(key, label) of every line any of the years has, the monitoring line first, then by share."""
    seen: dict[str, Line] = {}
    for item in years:
        for line in item.lines:
            seen.setdefault(line.key, line)
    ordered = sorted(seen.values(), key=lambda line: (line.share is not None, line.share or 0))
    return [(line.key, line.label) for line in ordered]


def percent(value: float | None, digits: int = 2) -> float | None:
    """An index as a percentage for pages and charts (None stays None)."""
    return None if value is None else round(value * 100, digits)


def as_dict(item: YearFigures) -> dict:
    """The figures as plain data (the API's and the chart's): indices as fractions from 0 to 1."""

    def area(a: Area) -> dict:
        return {
            "code": a.code, "name": a.name, "level": a.level, "people": a.people, "households": a.households,
            "median": None if a.median is None else str(a.median),
            "indices": {key: poverty_dict(p) for key, p in a.poverty.items()},
        }

    return {
        "year": item.year, "county": item.county,
        "county_median": None if item.county_median is None else str(item.county_median),
        "shares": item.shares, "shares_set": item.shares_set,
        "monitoring_line_missing": item.monitoring_line_missing,
        "lines": [{"key": line.key, "label": line.label, "share": line.share, "amount": str(line.amount)}
                  for line in item.lines],
        "region": area(item.region), "parts": [area(part) for part in item.parts],
    }


def poverty_dict(p: Poverty) -> dict:
    return {"poor_people": p.poor_people, "poor_households": p.poor_households, "p0": p.p0, "p1": p.p1,
            "p2": p.p2}


def chart_specs(current: YearFigures, years: list[YearFigures], links: Mapping[str, str]) -> dict:
    """The page's charts in the dashboards' format (``supervision/dashboard.js``): P0 (%) per year
    against each line, and P0 (%) of each part in the chosen year."""
    keys = line_keys(years)
    specs: dict = {}
    if years:
        specs["trend"] = {
            "kind": "line", "categories": [str(item.year) for item in years],
            "series": [
                {"name": label, "data": [percent(item.region.poverty[key].p0) if key in item.region.poverty
                                         else None for item in years]}
                for key, label in keys
            ],
        }
    if current.parts:
        specs["parts"] = {
            "kind": "bar", "categories": [part.name or part.code for part in current.parts],
            "series": [{"name": line.label, "data": [percent(part.poverty[line.key].p0) for part in current.parts]}
                       for line in current.lines],
            "links": [links.get(part.code, "") for part in current.parts],
        }
    return specs
