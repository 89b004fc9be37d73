"""Policy enrolments and policy gaps registered for export: the same filter and scope as their pages.

``revitalization_enrolments``: the enrolment list with the page's filter
(:class:`shouwang.revitalization.enrolment.filters.EnrolmentFilter`). ``revitalization_gaps``: one
policy's gap list (``policy``, ``year``, ``kind``, ``region`` as on the gap page), each row with its
reason in words (the conditions that fail for 应退未退, those that hold for 应享未享). ID numbers are
masked (the enrolment list holds no other personal number).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import batched
from typing import Any

from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Substr
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.monitoring.rules.compiler import RuleError
from shouwang.regions.models import Region
from shouwang.revitalization.enrolment import services as enrolments
from shouwang.revitalization.enrolment.filters import EnrolmentFilter
from shouwang.revitalization.gaps import services as gaps

from .services import register_export

ENROLMENT_COLUMNS = ["年度", "政策代码", "政策名称", "户编号", "所属乡镇", "所属村", "享受对象", "身份证号（脱敏）",
                     "开始日期", "结束日期", "发放金额（元）", "来源", "备注"]


def _township() -> Subquery:
    return Subquery(Region.objects.filter(code=Substr(OuterRef("region_code"), 1, 9)).values("name")[:1],
                    output_field=CharField())


def enrolment_queryset(user, params: QueryDict):
    rows = EnrolmentFilter.for_page(params, enrolments.enrolments_for(user), user).rows()
    return rows.annotate(township_name=_township()).order_by("-year", "region_code", "household_id", "pk")


def enrolment_row(e: Any) -> list[Any]:
    return [e.year, e.policy.code, e.policy.name_zh, e.household.number, e.township_name or "",
            e.household.village.name, e.member.name if e.member else "（户）", e.member.id_masked if e.member else "",
            e.starts_on or "", e.ends_on or "", "" if e.amount is None else e.amount, e.get_source_display(), e.note]


register_export(
    "revitalization_enrolments", title=_("Policy enrolments"), columns=ENROLMENT_COLUMNS,
    queryset_for=enrolment_queryset, row=enrolment_row, object_type="revitalization.enrolment",
    filename="policy-enrolments", sheet_name="享受政策",
)

GAP_COLUMNS = ["类型", "政策代码", "政策名称", "年度", "户编号", "户主姓名", "所属村", "享受对象", "享受记录数",
               "已发金额（元）", "原因"]
KIND_NAMES = {gaps.NOT_ENROLLED: "应享未享", gaps.NOT_ELIGIBLE: "应退未退"}


def gap_rows(user, params: QueryDict) -> Iterator[list[Any]]:
    policy_id = params.get("policy", "")
    if not str(policy_id).isdigit():
        return
    policy = gaps.policies_for(gaps.within(user)).filter(pk=int(policy_id)).first()
    if policy is None:
        return
    year_text = params.get("year", "")
    year = int(year_text) if year_text.isdigit() else timezone.localdate().year
    kind = str(params.get("kind", ""))
    kind = kind if kind in gaps.KINDS else gaps.NOT_ENROLLED
    region = gaps.within(user, params.get("region", ""))
    try:
        listed = gaps.gap_rows(kind, policy, year, region, user=user)
        for chunk in batched(listed.iterator(), 500):
            for r in gaps.describe(chunk, policy, year):
                yield [KIND_NAMES[kind], policy.code, policy.name_zh, year, r.household_number, r.head, r.village,
                       r.member or "（户）", r.enrolments or "", "" if r.paid is None else r.paid,
                       gaps.reason_text(r, kind)]
    except RuleError:
        return


register_export(
    "revitalization_gaps", title=_("Policy gaps"), columns=GAP_COLUMNS, queryset_for=gap_rows, row=lambda row: row,
    object_type="revitalization.policy_gaps", filename="policy-gaps", sheet_name="政策落实差距",
)
