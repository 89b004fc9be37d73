"""The project library (项目库) registered for export: the list page's filter and scope, one row per project."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.revitalization.projects import services as projects
from shouwang.revitalization.projects.filters import ProjectFilter
from shouwang.revitalization.projects.models import FundSource

from .lists import township_name_subquery
from .services import register_export

FUND_HEADERS = {
    FundSource.CENTRAL: "中央衔接资金（元）", FundSource.PROVINCIAL: "省级衔接资金（元）",
    FundSource.COUNTY: "县级衔接资金（元）", FundSource.INTEGRATED: "统筹整合涉农资金（元）",
    FundSource.OTHER: "其他资金（元）",
}
PROJECT_COLUMNS = [
    "年度", "项目名称", "所属乡镇", "牵头村", "覆盖村", "目标", "项目类别", "状态", "预算（元）",
    *FUND_HEADERS.values(), "已拨付（元）", "带动农户数", "联农带农机制",
]


def project_queryset(user, params: QueryDict):
    rows = ProjectFilter.for_page(params, projects.projects_for(user), user).rows()
    return (rows.annotate(township_name=township_name_subquery())
            .prefetch_related("villages", "funds").order_by("-year", "region_code", "id"))


def _funds(project) -> dict[str, Any]:
    return {f.source: f.amount for f in project.funds.all()}


def project_row(p) -> list[Any]:
    funds = _funds(p)
    return [
        p.year, p.name, p.township_name or "", p.village.name,
        "、".join(v.name for v in p.villages.all() if v.code != p.village_id), str(p.get_goal_display()),
        str(p.get_category_display()), str(p.get_status_display()), p.budget,
        *(funds.get(source, 0) for source in FUND_HEADERS), p.disbursed, p.households_reached, p.linkage,
    ]


register_export(
    "revitalization_projects", title=_("Project library"), columns=PROJECT_COLUMNS, queryset_for=project_queryset,
    row=project_row, object_type="revitalization_project", filename="projects", sheet_name="项目库",
)
