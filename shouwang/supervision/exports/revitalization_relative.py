"""The relative-poverty figures registered for export: the same selection and scope as the page.

``relative_poverty`` is the year's table (the region, then each township or village, one row per
line); ``relative_poverty_trend`` the region's figures year by year (one row per year and line).
``?region=CODE&year=YYYY`` as on the page (:mod:`shouwang.revitalization.relative.filters`); a
region the user may not read gives an empty file, as the page gives 404. Indices are fractions
from 0 to 1 (P0 the share of people below the line).
"""

from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.revitalization.relative import services
from shouwang.revitalization.relative.filters import select
from shouwang.revitalization.relative.permissions import VIEW_RELATIVE

from .services import register_export

LEVELS = {"county": "县", "township": "乡镇", "village": "村"}
COLUMNS = [
    "年度", "区划代码", "区域", "层级", "人口数", "户数", "人均纯收入中位数（元）", "全县人均纯收入中位数（元）",
    "标准", "标准（元/人·年）", "低于标准人口", "低于标准户数", "贫困发生率P0", "贫困深度P1", "贫困强度P2",
]


def _line_name(line: services.Line) -> str:
    return "监测范围（收入基准线）" if line.share is None else f"相对贫困线（中位数的{line.share}%）"


def _rows_of(item: services.YearFigures, areas: list[services.Area]) -> list[list]:
    rows = []
    for area in areas:
        for line in item.lines:
            p = area.poverty.get(line.key) or services.Poverty()
            rows.append([
                item.year, area.code, area.name, LEVELS.get(area.level or "", ""), area.people, area.households,
                "" if area.median is None else area.median,
                "" if item.county_median is None else item.county_median,
                _line_name(line), line.amount, p.poor_people, p.poor_households,
                *("" if value is None else round(value, 9) for value in (p.p0, p.p1, p.p2)),
            ])
    return rows


def year_rows(user, params: QueryDict) -> list[list]:
    try:
        selection = select(user, params)
    except Http404:
        return []
    if selection.year is None:
        return []
    item = services.figures(selection.year, selection.region)
    return _rows_of(item, [item.region, *item.parts])


def trend_rows(user, params: QueryDict) -> list[list]:
    try:
        selection = select(user, {"region": params.get("region", "")})
    except Http404:
        return []
    return [row for item in services.trend(selection.region, selection.years) for row in _rows_of(item, [item.region])]


register_export(
    "relative_poverty", title=_("Relative poverty by area"), columns=COLUMNS, queryset_for=year_rows,
    row=lambda row: row, object_type="revitalization.relative_poverty", filename="relative-poverty",
    action=VIEW_RELATIVE.name, sheet_name="相对贫困",
)
register_export(
    "relative_poverty_trend", title=_("Relative poverty over the years"), columns=COLUMNS, queryset_for=trend_rows,
    row=lambda row: row, object_type="revitalization.relative_poverty", filename="relative-poverty-trend",
    action=VIEW_RELATIVE.name, sheet_name="相对贫困趋势",
)
