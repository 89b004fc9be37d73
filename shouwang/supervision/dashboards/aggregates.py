"""Counting what the dashboards show, per village, into ``Figure`` rows (read by the refresh service).

:func:`compute` runs a fixed handful of GROUP BY queries over the raw tables (households,
members, household-years, warnings, cases, steps, measures, contacts) and returns the counts
per village; never a loop over households in Python. :func:`.services.refresh` writes them: it deletes
the refreshed villages' rows and inserts the new ones in one short transaction. Refreshing a
few villages (after a transition) filters every query by those villages; refreshing all of
them (after an import, from the nightly job or the command) filters nothing.

What is counted (the keys of ``Figure.metric``):

snapshot (``month`` null), as of the refresh
    ``households``, ``households_ex_poor``, ``members``: the registry;
    ``case_status`` by status: each household once, by the status of its latest case;
    ``monitored_category`` by category, ``monitored_risk`` by top-level risk type: households
    under monitoring (identified, risk not yet eliminated: ``monitored`` and ``eliminating``);
    a natural-disaster sub-item counts under 因自然灾害, once per household;
    ``monitored_with_measure`` (a measure in place or completed), ``monitored_with_contact`` (a
    current assistance contact), ``monitored_with_labour`` (a member able to work, the household
    not flagged as without labour) and
    ``monitored_labour_dev`` (those with labour that have an industry or employment measure);
    ``warnings`` by ``channel:status``, ``overdue_warnings`` by channel (still open after the
    date to verify);
    ``open_steps`` and ``overdue_steps`` by level (village, township, county) of the cases'
    procedures;
    ``income_band`` and ``income_band_monitored`` by band of per-capita net income relative
    to the year's monitoring line (the latest year in the registry).

monthly (``month`` = first day of the month)
    ``warnings_new`` by channel (month raised), ``cases_opened`` (month of the first clue),
    ``identified`` by category (month identified), ``eliminated`` by mode (month eliminated).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, CharField, Count, Exists, F, Max, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from shouwang.cases.models import AssistanceContact, CaseStatus, Step, StepStatus
from shouwang.cases.models import Case as MonitoredCase
from shouwang.monitoring.lines.models import LineBook
from shouwang.monitoring.models import Warning, WarningStatus
from shouwang.regions.models import Region
from shouwang.registry.models import Household, HouseholdType, HouseholdYear, Labour, Member
from shouwang.supervision.assessment.indicators import measures_in_place

from .models import Figure

# Identified and not yet cleared: the households the dashboards call "monitored" (监测对象,
# 风险未消除). A case still being identified is counted by status, not as monitored.
MONITORED = (CaseStatus.MONITORED, CaseStatus.ELIMINATING)

# Per-capita net income as a multiple of the line: (key, lower bound inclusive). A household
# exactly at the line is in "100_120" (not below the line, policy.md §3).
INCOME_BANDS: tuple[tuple[str, Decimal | None], ...] = (
    ("lt080", None),
    ("080_100", Decimal("0.8")),
    ("100_120", Decimal("1.0")),
    ("120_150", Decimal("1.2")),
    ("ge150", Decimal("1.5")),
)

SNAPSHOT_METRICS = (
    "households",
    "households_ex_poor",
    "members",
    "case_status",
    "monitored_category",
    "monitored_risk",
    "monitored_with_measure",
    "monitored_with_contact",
    "monitored_with_labour",
    "monitored_labour_dev",
    "warnings",
    "overdue_warnings",
    "open_steps",
    "overdue_steps",
    "income_band",
    "income_band_monitored",
)
MONTHLY_METRICS = ("warnings_new", "cases_opened", "identified", "eliminated")


@dataclass
class Counts:
    """Counts per (village, month, metric, key), as :func:`compute` returns them."""

    values: dict[tuple[str, date | None, str, str], int] = field(default_factory=lambda: defaultdict(int))
    income_year: int | None = None
    queries: int = 0

    def add(self, village: str, metric: str, key: object, n: int, month: date | None = None) -> None:
        if n:
            self.values[(village, month, metric, "" if key is None else str(key))] += int(n)

    def add_rows(
        self,
        rows: Iterable[dict],
        metric: str,
        key: str | None = None,
        *,
        value: str = "n",
        month: str | None = None,
    ) -> None:
        """Add grouped rows (``region_code``, the key column, the count column) under ``metric``."""
        self.queries += 1
        for row in rows:
            self.add(
                row["region_code"],
                metric,
                row[key] if key else "",
                row[value],
                _as_date(row[month]) if month else None,
            )

    def figures(self) -> Iterator[Figure]:
        for (village, month, metric, key), value in self.values.items():
            yield Figure(region_code=village, month=month, metric=metric, key=key, value=value)


def _as_date(value) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _scoped(queryset: QuerySet, villages: list[str] | None) -> QuerySet:
    """All rows, or only those of the villages being refreshed."""
    return queryset if villages is None else queryset.filter(region_code__in=villages)


def compute(villages: list[str] | None = None, today: date | None = None) -> Counts:
    """Every figure of the given villages (None: all), from the raw tables, in ~15 GROUP BY queries."""
    today = today or timezone.localdate()
    counts = Counts()
    _registry(counts, villages)
    _cases(counts, villages, today)
    _warnings(counts, villages, today)
    _steps(counts, villages, today)
    _income(counts, villages)
    return counts


def _registry(counts: Counts, villages: list[str] | None) -> None:
    households = (
        _scoped(Household.objects.order_by(), villages)
        .values("region_code")
        .annotate(
            n=Count("id"),
            ex_poor=Count("id", filter=Q(household_type=HouseholdType.EX_POOR)),
        )
    )
    rows = list(households)
    counts.add_rows(rows, "households")
    counts.add_rows(rows, "households_ex_poor", value="ex_poor")
    counts.add_rows(
        _scoped(Member.objects.order_by(), villages).values("region_code").annotate(n=Count("id")), "members"
    )


def _monitored(villages: list[str] | None) -> QuerySet:
    return _scoped(MonitoredCase.objects.order_by(), villages).filter(status__in=MONITORED)


def _cases(counts: Counts, villages: list[str] | None, today: date) -> None:
    cases = _scoped(MonitoredCase.objects.order_by(), villages)
    # Each household once, by its latest case (an earlier eliminated or rejected case is history).
    latest = cases.values("household_id").annotate(last=Max("id")).values("last")
    counts.add_rows(
        cases.filter(id__in=latest).values("region_code", "status").annotate(n=Count("id")),
        "case_status",
        "status",
    )

    monitored = _monitored(villages)
    counts.add_rows(
        monitored.values("region_code", "category").annotate(n=Count("id")), "monitored_category", "category"
    )
    # Sub-items of a risk type (the natural-disaster ones) count under their parent, once per case.
    counts.add_rows(
        monitored.annotate(risk=Coalesce(F("risk_types__parent__code"), F("risk_types__code")))
        .filter(risk__isnull=False)
        .values("region_code", "risk")
        .annotate(n=Count("id", distinct=True)),
        "monitored_risk",
        "risk",
    )

    # Measures in place or completed by today, the same set the assessment's indicators count.
    measures = measures_in_place(today)
    development = measures.filter(measure_type__is_development=True)
    contacts = AssistanceContact.objects.current(today).filter(case=OuterRef("pk"))
    # With labour capacity: not flagged as wholly without labour, and a member able to work.
    labour = Member.objects.filter(
        household=OuterRef("household_id"), household__no_labour=False, labour__in=Labour.able()
    )
    shares = (
        monitored.annotate(
            has_measure=Exists(measures),
            has_dev=Exists(development),
            has_contact=Exists(contacts),
            has_labour=Exists(labour),
        )
        .values("region_code")
        .annotate(
            with_measure=Count("id", filter=Q(has_measure=True)),
            with_contact=Count("id", filter=Q(has_contact=True)),
            with_labour=Count("id", filter=Q(has_labour=True)),
            labour_dev=Count("id", filter=Q(has_labour=True, has_dev=True)),
        )
    )
    rows = list(shares)
    counts.add_rows(rows, "monitored_with_measure", value="with_measure")
    counts.add_rows(rows, "monitored_with_contact", value="with_contact")
    counts.add_rows(rows, "monitored_with_labour", value="with_labour")
    counts.add_rows(rows, "monitored_labour_dev", value="labour_dev")

    counts.add_rows(
        cases.annotate(m=TruncMonth("first_clue_date")).values("region_code", "m").annotate(n=Count("id")),
        "cases_opened",
        month="m",
    )
    counts.add_rows(
        cases.filter(identified_on__isnull=False)
        .annotate(m=TruncMonth("identified_on"))
        .values("region_code", "m", "category")
        .annotate(n=Count("id")),
        "identified",
        "category",
        month="m",
    )
    counts.add_rows(
        cases.filter(eliminated_on__isnull=False)
        .annotate(m=TruncMonth("eliminated_on"))
        .values("region_code", "m", "elimination_mode")
        .annotate(n=Count("id")),
        "eliminated",
        "elimination_mode",
        month="m",
    )


def _warnings(counts: Counts, villages: list[str] | None, today: date) -> None:
    # Households, not warnings: a household has one open warning however many rules and sources
    # point at it, and a household warned twice in a month is one household at risk.
    warnings = _scoped(Warning.objects.order_by(), villages)
    rows = list(
        warnings.values("region_code", "channel", "status").annotate(
            n=Count("household_id", distinct=True),
            overdue=Count("household_id", distinct=True,
                          filter=Q(status__in=WarningStatus.open(), due_date__lt=today)),
        )
    )
    counts.queries += 1
    for row in rows:
        counts.add(row["region_code"], "warnings", f"{row['channel']}:{row['status']}", row["n"])
        counts.add(row["region_code"], "overdue_warnings", row["channel"], row["overdue"])
    counts.add_rows(
        warnings.annotate(m=TruncMonth("created_at"))
        .values("region_code", "m", "channel")
        .annotate(n=Count("household_id", distinct=True)),
        "warnings_new",
        "channel",
        month="m",
    )


def _steps(counts: Counts, villages: list[str] | None, today: date) -> None:
    rows = list(
        _scoped(Step.objects.order_by(), villages)
        .filter(status=StepStatus.OPEN)
        .values("region_code", "level")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    )
    counts.add_rows(rows, "open_steps", "level")
    counts.add_rows(rows, "overdue_steps", "level", value="overdue")


def income_year() -> int | None:
    """The latest year with household-years: the income the bands describe."""
    return HouseholdYear.objects.order_by("-year").values_list("year", flat=True).first()


def lines_by_county(year: int, counties: Iterable[str]) -> dict[str, Decimal]:
    """The line of each county code for ``year`` (a line is set per country, province, prefecture
    or county, so a village's line is its county's); counties without one are left out."""
    book = LineBook.load(year)  # the resolver's answer (line_in_force), one query for every county
    found = {}
    for county in counties:
        line = book.in_force(county, year)
        if line is not None:
            found[county] = line.amount
    return found


def band_expression(line: Decimal) -> Case:
    """The band of ``per_capita_net_income`` relative to ``line``, computed by the database."""
    whens = [
        When(per_capita_net_income__lt=line * bound_next, then=Value(key))
        for (key, _), (_, bound_next) in zip(INCOME_BANDS, INCOME_BANDS[1:], strict=False)
    ]
    return Case(*whens, default=Value(INCOME_BANDS[-1][0]), output_field=CharField())


def _income(counts: Counts, villages: list[str] | None) -> None:
    year = income_year()
    counts.income_year = year
    if year is None:
        return
    years = _scoped(HouseholdYear.objects.order_by(), villages).filter(
        year=year, per_capita_net_income__isnull=False
    )
    if villages is None:
        counties = list(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True))
    else:
        counties = sorted({code[:6] for code in villages})
    monitored = MonitoredCase.objects.filter(household_id=OuterRef("household_id"), status__in=MONITORED)
    for county, line in lines_by_county(year, counties).items():
        rows = list(
            years.filter(region_code__startswith=county)
            .annotate(band=band_expression(line))
            .annotate(is_monitored=Exists(monitored))
            .values("region_code", "band")
            .annotate(n=Count("id"), monitored=Count("id", filter=Q(is_monitored=True)))
        )
        counts.add_rows(rows, "income_band", "band")
        counts.add_rows(rows, "income_band_monitored", "band", value="monitored")
