"""The dashboard's table by area, registered for export: the same rows as the page shows.

``?region=CODE`` names the region whose sub-areas are listed (the user's own region when
absent); a region outside the user's scope gives an empty file, as the page gives 404.
"""

from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.supervision.exports.services import register_export

from .services import Area, read_dashboard, region_for

COLUMNS = [
    "区划代码",
    "区域",
    "农户数",
    "监测户数（风险未消除）",
    "识别中户数",
    "未处理预警",
    "逾期（环节和预警）",
    "有帮扶措施户数",
    "有帮扶联系人户数",
    "有劳动力户数",
    "有劳动力且有产业或就业帮扶户数",
]


def area_queryset(user, params: QueryDict) -> list[Area]:
    try:  # the page's region, or an empty file where the page answers 404
        region = region_for(user, (params.get("region") or "").strip())
    except Http404:
        return []
    return read_dashboard(user, region, months=1).areas


def area_row(area: Area) -> list:
    f = area.figures
    return [
        area.code,
        area.name,
        f.total("households"),
        f.monitored,
        f.identifying,
        f.open_warnings,
        f.overdue,
        f.total("monitored_with_measure"),
        f.total("monitored_with_contact"),
        f.total("monitored_with_labour"),
        f.total("monitored_labour_dev"),
    ]


register_export(
    "dashboard_areas",
    title=_("Dashboard figures by area"),
    columns=COLUMNS,
    queryset_for=area_queryset,
    row=area_row,
    object_type="supervision.figure",
    filename="dashboard",
    sheet_name="dashboard",
)
