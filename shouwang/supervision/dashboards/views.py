"""Dashboard pages: the county's, a township's and a village's figures, from the aggregate table.

Thin views: the figures are counted by :mod:`.aggregates` (refresh) and read back by
:func:`.services.read_dashboard`; this module only names them in the user's language and
shapes them for ECharts and for the tables beside each chart (the same numbers, readable
without JavaScript). A region outside the user's scope answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.cases.models import CaseStatus, Category, Level, RiskType
from shouwang.core.models import Job
from shouwang.core.permissions import can, requires
from shouwang.monitoring.lines.services import missing_line_years
from shouwang.monitoring.models import WarningChannel, WarningStatus
from shouwang.regions.models import Region

from .aggregates import INCOME_BANDS
from .registers import register_rows
from .services import DashboardData, read_dashboard, region_for
from .tasks import JOB_KIND, start_refresh

TREND_MONTHS = 12


def today() -> date:
    """The date the trends end at; tests replace it."""
    return timezone.localdate()


def band_labels() -> dict[str, str]:
    return {
        "lt080": _("below 0.8 × line"),
        "080_100": _("0.8–1 × line"),
        "100_120": _("1–1.2 × line"),
        "120_150": _("1.2–1.5 × line"),
        "ge150": _("1.5 × line or more"),
    }


@dataclass
class Row:
    """One row of a table beside a chart: a label and its values (one per series)."""

    label: str
    values: list[Any]
    key: str = ""


@dataclass
class Panel:
    """A chart and the table of the same numbers."""

    id: str
    title: str
    kind: str  # bar, hbar, stack, line
    header: str  # what the rows are (the first column's heading)
    columns: list[str]
    rows: list[Row]
    note: str = ""

    def chart(self) -> dict:
        return {
            "kind": self.kind,
            "categories": [row.label for row in self.rows],
            "series": [
                {"name": name, "data": [row.values[i] for row in self.rows]}
                for i, name in enumerate(self.columns)
            ],
        }


def _risk_labels(keys: set[str]) -> list[tuple[str, str]]:
    """Top-level risk types in catalogue order, then any other key the figures hold."""
    named = [(r.code, r.name) for r in RiskType.objects.filter(parent__isnull=True).order_by("sort", "code")]
    known = {code for code, _name in named}
    return named + [(key, key) for key in sorted(keys - known)]


def panels(data: DashboardData) -> list[Panel]:
    totals = data.totals
    monitored = totals.by_key("monitored_category")
    statuses = totals.by_key("case_status")
    risks = totals.by_key("monitored_risk")
    household_word = _("Households")
    result = [
        Panel(
            "category",
            _("Monitored households by category"),
            "bar",
            _("Category"),
            [household_word],
            [Row(str(label), [monitored.get(value, 0)], value) for value, label in Category.choices],
        ),
        Panel(
            "risk",
            _("Monitored households by risk type"),
            "hbar",
            _("Risk type"),
            [household_word],
            [Row(label, [risks.get(code, 0)], code) for code, label in _risk_labels(set(risks))],
            note=_("A household with several risks counts under each of them."),
        ),
        Panel(
            "status",
            _("Households by case status"),
            "bar",
            _("Status"),
            [household_word],
            [Row(str(label), [statuses.get(value, 0)], value) for value, label in CaseStatus.choices],
            note=_("Each household once, by its latest case."),
        ),
    ]
    warnings = totals.by_key("warnings")
    result.append(
        Panel(
            "channels",
            _("Warnings by channel and status"),
            "stack",
            _("Channel"),
            [str(label) for label in WarningStatus.labels],
            [
                Row(
                    str(label),
                    [warnings.get(f"{channel}:{status}", 0) for status in WarningStatus.values],
                    channel,
                )
                for channel, label in WarningChannel.choices
            ],
        )
    )
    months = data.monthly
    result.append(
        Panel(
            "trend",
            _("Month by month"),
            "line",
            _("Month"),
            [_("New warnings"), _("Cases opened"), _("Identified"), _("Risk eliminated")],
            [
                Row(
                    start.strftime("%Y-%m"),
                    [
                        months[start].total("warnings_new"),
                        months[start].total("cases_opened"),
                        months[start].total("identified"),
                        months[start].total("eliminated"),
                    ],
                    start.isoformat(),
                )
                for start in data.months
            ],
        )
    )
    open_steps, overdue_steps = totals.by_key("open_steps"), totals.by_key("overdue_steps")
    overdue_warnings = totals.total("overdue_warnings")
    result.append(
        Panel(
            "overdue",
            _("Overdue by level"),
            "bar",
            _("Level"),
            [_("Case steps overdue"), _("Warnings overdue"), _("Steps open")],
            [
                Row(
                    str(label),
                    [
                        overdue_steps.get(value, 0),
                        overdue_warnings if value == Level.VILLAGE else 0,
                        open_steps.get(value, 0),
                    ],
                    value,
                )
                for value, label in Level.choices
            ],
            note=_("Warnings are verified at village level (home verification)."),
        )
    )
    bands, bands_monitored = totals.by_key("income_band"), totals.by_key("income_band_monitored")
    labels = band_labels()
    result.append(
        Panel(
            "income",
            _("Per-capita income relative to the line"),
            "bar",
            _("Income band"),
            [_("All households"), _("Monitored households")],
            [
                Row(labels[key], [bands.get(key, 0), bands_monitored.get(key, 0)], key)
                for key, _bound in INCOME_BANDS
            ],
            note=(
                _("Income of %(year)s; a household exactly at the line is in 1–1.2.")
                % {"year": data.refreshed.income_year}
                if data.refreshed and data.refreshed.income_year
                else ""
            ),
        )
    )
    return result


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def area_rows(data: DashboardData) -> list[dict]:
    rows = []
    for area in data.areas:
        f = area.figures
        row = {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "url": reverse("supervision:dashboard_region", args=[area.code]),
            "households": f.total("households"),
            "monitored": f.monitored,
            "identifying": f.identifying,
            "open_warnings": f.open_warnings,
            "overdue": f.overdue,
            "measure_share": _pct(f.measure_share),
            "contact_share": _pct(f.contact_share),
            "development_share": _pct(f.development_share),
        }
        if area.level == "village":
            row["households_url"] = household_list_url(area.code, "village")
        rows.append(row)
    return rows


def household_list_url(code: str, level: str) -> str:
    """The registry's household list filtered to one village (or township)."""
    param = "village" if level == "village" else "township"
    return f"{reverse('registry:household_list')}?{urlencode({param: code})}"


def breadcrumb(user, region: Region) -> list[tuple[str, str | None]]:
    """Names from the user's own region down to this one (links, but not the current one)."""
    return [
        (r.name, None if r.code == region.code else reverse("supervision:dashboard_region", args=[r.code]))
        for r in region.ancestors(include_self=True)
        if can(user, "view", r)
    ]


def stat_tiles(data: DashboardData) -> list[dict]:
    t = data.totals
    this_month = data.monthly.get(data.months[-1]) if data.months else None
    tiles = [
        {"id": "households", "value": t.total("households"), "label": _("households in the registry")},
        {"id": "monitored", "value": t.monitored, "label": _("monitored households (risk not eliminated)")},
        {"id": "identifying", "value": t.identifying, "label": _("households being identified")},
        {"id": "open_warnings", "value": t.open_warnings, "label": _("open warnings")},
        {"id": "overdue", "value": t.overdue, "label": _("overdue steps and warnings")},
        {
            "id": "new_warnings",
            "value": this_month.total("warnings_new") if this_month else 0,
            "label": _("new warnings this month"),
        },
        {
            "id": "identified_month",
            "value": this_month.total("identified") if this_month else 0,
            "label": _("identified this month"),
        },
        {
            "id": "eliminated_month",
            "value": this_month.total("eliminated") if this_month else 0,
            "label": _("risk eliminated this month"),
        },
        {
            "id": "measure_share",
            "value": _pct(t.measure_share),
            "label": _("monitored households with measures"),
        },
        {
            "id": "contact_share",
            "value": _pct(t.contact_share),
            "label": _("monitored households with an assistance contact"),
        },
        {
            "id": "development_share",
            "value": _pct(t.development_share),
            "label": _("households with labour that have an industry or employment measure"),
        },
    ]
    for tile in tiles:
        tile["display"] = intcomma(tile["value"]) if isinstance(tile["value"], int) else tile["value"]
    return tiles


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The user's region (or a township or village inside it): tiles, charts, tables, drill-down."""
    region = region_for(request.user, code)
    on = today()
    data = read_dashboard(request.user, region, months=TREND_MONTHS, today=on)
    shown = panels(data)
    areas = area_rows(data)
    charts: dict[str, Any] = {p.id: p.chart() for p in shown}
    if region.level != "village":
        charts["areas"] = {
            "kind": "bar",
            "categories": [a["name"] for a in areas],
            "links": [a["url"] for a in areas],
            "series": [
                {"name": _("Monitored households"), "data": [a["monitored"] for a in areas]},
                {"name": _("Overdue"), "data": [a["overdue"] for a in areas]},
            ],
        }
    child_word, areas_title = {
        "township": (_("Township"), _("By township")),
        "village": (_("Village"), _("By village")),
        "county": (_("County"), _("By county")),
    }.get(data.child_level, (_("Area"), _("By area")))
    return render(
        request,
        "supervision/dashboard_page.html",
        {
            "region": region,
            "data": data,
            "panels": shown,
            "areas": areas,
            "charts": charts,
            "tiles": stat_tiles(data),
            "child_word": child_word,
            "areas_title": areas_title,
            "crumbs": breadcrumb(request.user, region),
            "households_url": household_list_url(region.code, region.level),
            "refreshed": data.refreshed,
            "can_refresh": can(request.user, "supervision.refresh_dashboards"),
            "today": on,
            # The income chart and the below-line figures need the line: a year without one says so.
            "missing_line_years": missing_line_years(
                region.code, on, data_year=data.refreshed.income_year if data.refreshed else None),
            # The revitalization registers of a township or county (a village has its profile page).
            "registers": register_rows(region.code, on.year) if region.level != "village" else [],
            "registers_year": on.year,
        },
    )


@login_required
@requires("supervision.refresh_dashboards")
@require_POST
def dashboard_refresh(request: HttpRequest) -> HttpResponse:
    job = start_refresh(request.user)
    return redirect("supervision:dashboard_job", job_id=job.pk)


@login_required
@requires("supervision.refresh_dashboards", answers_by_scope=True)  # one's own job, else 404
@require_http_methods(["GET", "HEAD"])
def dashboard_job(request: HttpRequest, job_id) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id, kind=JOB_KIND, user=request.user)
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    response = render(
        request,
        "supervision/dashboard_job.html",
        {
            "job": job,
            "finished": finished,
            "refresh_url": request.path,
        },
    )
    if not finished:
        response["Refresh"] = "2"
    return response
