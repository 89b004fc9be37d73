"""The reconciliation list registered for export: the items the page lists, with its filters.

(The workbook in the national layout is :mod:`.exports`'; this list is registered apart from it.)
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.registry.households.queries import head_name
from shouwang.supervision.exports.services import register_export

from . import services
from .filters import ReconciliationFilter

RECONCILIATION_COLUMNS = [
    "所属村", "户编号", "国家户编号", "户主姓名", "差异项", "国家系统数据", "守望系统数据", "文件", "行号", "导入批次",
    "状态", "处理说明", "处理人", "处理时间",
]


def reconciliation_queryset(user, params: QueryDict):
    items = services.reconciliation_for(user).annotate(head_name=head_name())
    items = ReconciliationFilter.for_page(params, items, user).rows()
    return items.order_by("region_code", "household__number", "field", "id")


def reconciliation_row(item) -> list[Any]:
    resolver = item.resolved_by
    return [
        item.household.village.name, item.household.number, item.household.national_number, item.head_name or "",
        services.field_label(item.field), item.national_value, item.shouwang_value, item.file_name, item.row or "",
        item.batch, "已处理" if item.resolved_at else "待处理", item.note,
        (resolver.get_full_name() or resolver.username) if resolver else "",
        timezone.localtime(item.resolved_at).strftime("%Y-%m-%d %H:%M") if item.resolved_at else "",
    ]


register_export(
    "national_reconciliation", title=_("National reconciliation list"), columns=RECONCILIATION_COLUMNS,
    queryset_for=reconciliation_queryset, row=reconciliation_row, object_type="reconciliation_item",
    filename="reconciliation", sheet_name="对账清单",
)
