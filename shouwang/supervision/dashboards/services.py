"""Writing and reading the dashboard figures: the refresh (with its roll-up) and a page's reading.

:func:`refresh` recounts villages through :func:`.aggregates.compute` and replaces their
``Figure`` rows, summing them into the townships and counties above (:func:`roll_up`);
:func:`read_dashboard` gives a page (or the API, or an export) a region's figures from those
rows only. The metric names are documented in :mod:`.aggregates`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shouwang.cases.models import CaseStatus
from shouwang.core.permissions import can, home_region
from shouwang.monitoring.models import WarningStatus
from shouwang.regions.models import Region

from .aggregates import compute
from .models import DashboardRefresh, Figure

# --- writing ------------------------------------------------------------------------------------


def refresh(
    villages: Iterable[str] | None = None, *, today: date | None = None, trigger: str = ""
) -> DashboardRefresh:
    """Recount the given villages (None: every village) and replace their figures.

    The counting runs outside the write transaction (it only reads); the delete and insert,
    and the roll-up into the townships and county above (:func:`roll_up`), run in one
    transaction, serialised between concurrent refreshes on PostgreSQL by an advisory lock so
    two refreshes of one village cannot both insert.
    """
    codes = None if villages is None else sorted({code[:12] for code in villages if code})
    started = timezone.now()
    clock = time.perf_counter()
    counts = compute(codes, today)
    figures = list(counts.figures())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5A_D0A5])
        stale = Figure.objects.all() if codes is None else Figure.objects.filter(region_code__in=codes)
        stale.delete()  # nothing refers to a figure: one DELETE statement
        Figure.objects.bulk_create(figures, batch_size=2000)
        rolled = roll_up(codes)
        record = DashboardRefresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            scope="" if codes is None else " ".join(codes)[:10_000],
            village_count=0 if codes is None else len(codes),
            rows=len(figures) + rolled,
            seconds=round(time.perf_counter() - clock, 3),
            income_year=counts.income_year,
            trigger=trigger[:40],
        )
    return record


# Regions above a village whose figures are kept summed: province, prefecture, county, township.
ROLLUP_LENGTHS = (2, 4, 6, 9)


def roll_up(villages: list[str] | None) -> int:
    """Sum the village rows into one row per township, county (and above) × month × metric × key.

    A page then reads its sub-areas' rows and its own, a few hundred rows whatever the size of
    the registry, instead of summing every village's. Only the ancestors of the refreshed
    villages are recounted (all of them when ``villages`` is None). Returns the rows written.
    """
    village_rows = (
        Figure.objects.order_by().annotate(code_length=Length("region_code")).filter(code_length=12)
    )
    if villages is None:
        Figure.objects.annotate(code_length=Length("region_code")).filter(code_length__lt=12).delete()
    else:
        Figure.objects.filter(region_code__in={v[:n] for v in villages for n in ROLLUP_LENGTHS}).delete()
    written = 0
    for length in ROLLUP_LENGTHS:
        rows = village_rows
        if villages is not None:
            prefixes = sorted({v[:length] for v in villages})
            condition = Q()
            for prefix in prefixes:
                condition |= Q(region_code__startswith=prefix)
            rows = rows.filter(condition)
        summed = [
            Figure(
                region_code=row["area"],
                month=row["month"],
                metric=row["metric"],
                key=row["key"],
                value=row["v"],
            )
            for row in rows.annotate(area=Substr("region_code", 1, length))
            .values("area", "month", "metric", "key")
            .annotate(v=Sum("value"))
        ]
        Figure.objects.bulk_create(summed, batch_size=2000)
        written += len(summed)
    return written


def last_refresh() -> DashboardRefresh | None:
    return DashboardRefresh.objects.filter(finished_at__isnull=False).order_by("-finished_at", "-id").first()


# --- reading ------------------------------------------------------------------------------------

# The level below each region level, and its code length: a county page breaks down by
# township, a township page by village; a village page is its own single row.
CHILD_LEVEL = {
    "province": ("prefecture", 4),
    "prefecture": ("county", 6),
    "county": ("township", 9),
    "township": ("village", 12),
    "village": ("village", 12),
}
OPEN_WARNING_STATUSES = tuple(str(s) for s in WarningStatus.open())


class Snapshot:
    """Figures of one area (or a whole region): ``(metric, key) → value``, zero when absent.

    Not a dict subclass on purpose: templates look names up as dict keys first, and
    ``figures.monitored`` must reach the property.
    """

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, metric: str, key: str, value: int) -> None:
        self.values[(metric, key)] += value

    def get(self, metric: str, key: str = "") -> int:
        return self.values.get((metric, key), 0)

    def by_key(self, metric: str) -> dict[str, int]:
        return {key: value for (m, key), value in self.values.items() if m == metric}

    def total(self, metric: str) -> int:
        return sum(value for (m, _), value in self.values.items() if m == metric)

    @property
    def monitored(self) -> int:
        return self.total("monitored_category")

    @property
    def identifying(self) -> int:
        return self.get("case_status", CaseStatus.IDENTIFYING.value)

    @property
    def open_warnings(self) -> int:
        return sum(
            v
            for (m, key), v in self.values.items()
            if m == "warnings" and key.split(":")[-1] in OPEN_WARNING_STATUSES
        )

    @property
    def overdue(self) -> int:
        return self.total("overdue_steps") + self.total("overdue_warnings")

    def share(self, metric: str, of: str = "monitored") -> float | None:
        """``metric`` as a percentage of monitored households (or of ``of``); None when there are none."""
        base = self.monitored if of == "monitored" else self.total(of)
        return round(100 * self.total(metric) / base, 1) if base else None

    @property
    def measure_share(self) -> float | None:
        return self.share("monitored_with_measure")

    @property
    def contact_share(self) -> float | None:
        return self.share("monitored_with_contact")

    @property
    def development_share(self) -> float | None:
        return self.share("monitored_labour_dev", of="monitored_with_labour")


@dataclass
class Area:
    code: str
    name: str
    level: str
    figures: Snapshot


@dataclass
class DashboardData:
    """What a dashboard page shows for one region: its totals, its sub-areas and its months."""

    region: Region
    child_level: str
    totals: Snapshot
    areas: list[Area]
    months: list[date]
    monthly: dict[date, Snapshot]
    refreshed: DashboardRefresh | None


def month_starts(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` months, oldest first, ending with ``today``'s month."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def read_dashboard(user, region: Region, *, months: int = 12, today: date | None = None) -> DashboardData:
    """The region's figures from the aggregate table only: two indexed queries (plus region names).

    The region's own rows (a village's, or a township's or county's roll-up) give the totals
    and the months; its sub-areas' rows give the breakdown. The caller has checked that the
    region lies within the user's scope; the rows go through ``restrict`` all the same, so a
    wrong call shows nothing rather than too much.
    """
    today = today or timezone.localdate()
    child_level, _length = CHILD_LEVEL.get(region.level, ("village", 12))
    if region.level == "village":
        children = [region]
    else:
        children = list(
            Region.objects.filter(code__startswith=region.code, level=child_level).only(
                "code", "name", "level"
            )
        )
    scoped = Figure.objects.restrict(user, "view").order_by()

    by_area: dict[str, Snapshot] = defaultdict(Snapshot)
    codes = {region.code} | {child.code for child in children}
    for code, metric, key, value in scoped.filter(region_code__in=codes, month__isnull=True).values_list(
        "region_code", "metric", "key", "value"
    ):
        by_area[code].add(metric, key, value)

    starts = month_starts(today, months)
    monthly: dict[date, Snapshot] = {start: Snapshot() for start in starts}
    for month, metric, key, value in scoped.filter(
        region_code=region.code, month__gte=starts[0], month__lte=starts[-1]
    ).values_list("month", "metric", "key", "value"):
        if month in monthly:
            monthly[month].add(metric, key, value)

    areas = [Area(r.code, r.name, r.level, by_area.get(r.code, Snapshot())) for r in children]
    totals = by_area.get(region.code, Snapshot())
    return DashboardData(region, child_level, totals, areas, starts, monthly, last_refresh())


def region_for(user, code: str | None) -> Region:
    """The region to show: the user's own, or one inside it (anything else is 404)."""
    code = code or home_region(user)
    if not code or not can(user, "view", code):
        raise Http404
    return get_object_or_404(Region, code=code)
