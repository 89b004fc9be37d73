"""Data-quality findings registered for export: the records to fix in the user's scope."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.supervision.exports.services import register_export

from . import services as quality
from .filters import FindingFilter

FINDING_COLUMNS = [
    "所属村", "规则代码", "国家规则代码", "规则", "严重程度", "户编号", "成员姓名", "监测对象编号", "问题说明",
]


def finding_queryset(user, params: QueryDict):
    findings = quality.findings_for(user).select_related("household__village")
    findings = FindingFilter.for_page(params, findings, user).rows()
    return findings.order_by("region_code", "rule", "id")


def finding_row(f) -> list[Any]:
    label = quality.rule_label(f.rule)
    village = f.household.village.name if f.household_id else f.region_code
    return [
        village, f.rule, f.national_code, label, str(f.get_severity_display()),
        f.household.number if f.household_id else "", f.member.name if f.member_id else "", f.case_id or "", f.detail,
    ]


register_export(
    "quality_findings", title=_("Data-quality findings"), columns=FINDING_COLUMNS, queryset_for=finding_queryset,
    row=finding_row, object_type="quality_finding", filename="data-quality", sheet_name="数据质量",
)
