"""Dispatch lists registered for export: the tasks sent, and the answers to them."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.supervision.exports.lists import yes_no
from shouwang.supervision.exports.services import register_export

from . import services as dispatch
from .filters import RecipientFilter

TASK_COLUMNS = ["标题", "类型", "下发单位", "下发人", "下发时间", "完成期限", "接收单位数", "已签收", "已完成", "逾期",
                "已关闭"]


def task_row(t) -> list[Any]:
    return [
        t.title, str(t.get_kind_display()), t.issuer_region.name, t.issued_by.username if t.issued_by_id else "",
        t.created_at, t.deadline, t.recipient_total, t.acknowledged_total, t.done_total, t.overdue_total,
        yes_no(t.closed_at),
    ]


register_export(
    "dispatch_tasks", title=_("Dispatched tasks"), columns=TASK_COLUMNS,
    queryset_for=lambda user, params: dispatch.issued_tasks(user), row=task_row, object_type="dispatch_task",
    filename="dispatch-tasks", sheet_name="调度任务",
)

RECIPIENT_COLUMNS = ["任务标题", "完成期限", "接收单位", "状态", "签收时间", "签收人", "完成时间", "完成人", "完成情况",
                     "是否逾期"]


def recipient_queryset(user, params: QueryDict):
    recipients = RecipientFilter.for_page(params, dispatch.recipients_for(user), user).rows()
    return recipients.order_by("task_id", "region_code")


def recipient_row(r) -> list[Any]:
    return [
        r.task.title, r.task.deadline, r.region.name, str(r.get_status_display()), r.acknowledged_at,
        r.acknowledged_by.username if r.acknowledged_by_id else "", r.completed_at,
        r.completed_by.username if r.completed_by_id else "", r.note, yes_no(r.is_overdue),
    ]


register_export(
    "dispatch_recipients", title=_("Answers to dispatched tasks"), columns=RECIPIENT_COLUMNS,
    queryset_for=recipient_queryset, row=recipient_row, object_type="dispatch_recipient",
    filename="dispatch-answers", sheet_name="签收与完成",
)
