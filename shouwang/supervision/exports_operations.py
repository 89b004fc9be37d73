"""The supervision operations' own lists, registered for export: dispatch, spot checks, data quality."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from . import dispatch, quality, spotchecks
from .exports import register_export
from .exports_lists import township_name_subquery, yes_no
from .models import SampleResult


def _int(params: QueryDict, name: str) -> int | None:
    try:
        return int(params.get(name, ""))
    except ValueError:
        return None


# --- dispatch -----------------------------------------------------------------------------------

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
    recipients = dispatch.recipients_for(user)
    task = _int(params, "task")
    if task is not None:
        recipients = recipients.filter(task_id=task)
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


# --- spot checks --------------------------------------------------------------------------------

SAMPLE_COLUMNS = ["抽查名称", "随机种子", "户编号", "所属乡镇", "所属村", "农户类别", "核查结果", "不一致项", "说明",
                  "核查人", "核查时间"]


def sample_queryset(user, params: QueryDict):
    samples = spotchecks.samples_for(user)
    check = _int(params, "spot_check")
    if check is not None:
        samples = samples.filter(spot_check_id=check)
    if params.get("result") in SampleResult.values:
        samples = samples.filter(result=params["result"])
    return samples.annotate(township_name=township_name_subquery()).order_by("spot_check_id", "region_code", "household__number")


def sample_row(s) -> list[Any]:
    return [
        s.spot_check.name, s.spot_check.seed, s.household.number, s.township_name or "", s.household.village.name,
        str(s.get_household_class_display()), str(s.get_result_display()), "、".join(s.field_labels()), s.note,
        s.checked_by.username if s.checked_by_id else "", s.checked_at,
    ]


register_export(
    "spotcheck_samples", title=_("Spot-check results"), columns=SAMPLE_COLUMNS, queryset_for=sample_queryset,
    row=sample_row, object_type="spotcheck_sample", filename="spot-check", sheet_name="抽查结果",
)


# --- data quality -------------------------------------------------------------------------------

FINDING_COLUMNS = ["所属村", "规则代码", "规则", "严重程度", "户编号", "成员姓名", "监测对象编号", "问题说明"]


def finding_queryset(user, params: QueryDict):
    findings = quality.findings_for(user).select_related("household__village")
    if params.get("rule"):
        findings = findings.filter(rule=params["rule"])
    if params.get("village"):
        findings = findings.filter(region_code=params["village"])
    return findings.order_by("region_code", "rule", "id")


def finding_row(f) -> list[Any]:
    label = quality.rule_label(f.rule)
    village = f.household.village.name if f.household_id else f.region_code
    return [
        village, f.rule, label, str(f.get_severity_display()), f.household.number if f.household_id else "",
        f.member.name if f.member_id else "", f.case_id or "", f.detail,
    ]


register_export(
    "quality_findings", title=_("Data-quality findings"), columns=FINDING_COLUMNS, queryset_for=finding_queryset,
    row=finding_row, object_type="quality_finding", filename="data-quality", sheet_name="数据质量",
)
