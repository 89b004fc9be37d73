"""The lists of the parts below supervision, registered for export: same filters, same scope.

Each ``queryset_for`` starts from the same restricted queryset as the list page and applies
the list's one filter (the ``filters.py`` of its feature, which the page and the API use too)
to the page's GET parameters, so the file holds exactly what the page lists (all pages of it).
No view is imported here. Column headers are the Chinese headers the
county's spreadsheets use. ID and phone columns are masked unless the export is cleared.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, OuterRef, Subquery, TextField
from django.db.models.functions import Substr
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shouwang.cases.assistance.filters import MeasureFilter
from shouwang.cases.casework.filters import CaseFilter
from shouwang.core import crypto
from shouwang.monitoring.fieldwork.filters import VisitFilter
from shouwang.monitoring.selfreport.filters import SelfReportFilter
from shouwang.monitoring.warnings.filters import WarningFilter
from shouwang.regions.models import Region
from shouwang.registry.households.filters import HouseholdFilter
from shouwang.registry.households.queries import with_list_columns
from shouwang.registry.models import Household, Member, Relation

from .services import register_export


def yes_no(value: Any) -> str:
    return "是" if value else "否"


def township_name_subquery() -> Subquery:
    """The name of the township of the row's ``region_code`` (its first nine digits)."""
    return Subquery(
        Region.objects.filter(code=Substr(OuterRef("region_code"), 1, 9)).values("name")[:1],
        output_field=CharField(),
    )


def _clear(cipher: str | None) -> str:
    return (crypto.decrypt(cipher) or "") if cipher else ""


# --- households ---------------------------------------------------------------------------------

HOUSEHOLD_COLUMNS = [
    "户编号", "户类型", "所属乡镇", "所属村", "户主姓名", "户主身份证号", "联系电话", "家庭人口",
    "最新年度", "人均纯收入（元）", "无劳动能力户", "易地搬迁户", "住址",
]


def household_queryset(user, params: QueryDict):
    scoped = Household.objects.restrict(user, "view")
    households = HouseholdFilter.for_page(params, scoped, user).rows()
    head = Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by("pk")
    return with_list_columns(households).annotate(
        township_name=township_name_subquery(),
        head_id_masked=Subquery(head.values("id_masked")[:1]),
        head_phone_masked=Subquery(head.values("phone_masked")[:1]),
        # The ciphertexts, decrypted only for a cleared export (TextField: no automatic decryption).
        head_id_cipher=Subquery(head.values("id_number")[:1], output_field=TextField()),
        head_phone_cipher=Subquery(head.values("phone")[:1], output_field=TextField()),
    ).order_by("number", "pk")


def household_row(h: Household, clear: bool) -> list[Any]:
    return [
        h.number, h.get_household_type_display(), h.township_name or "", h.village.name, h.head_name or "",
        _clear(h.head_id_cipher) if clear else (h.head_id_masked or ""),
        _clear(h.head_phone_cipher) if clear else (h.head_phone_masked or ""),
        h.member_total, h.latest_year, h.latest_per_capita, yes_no(h.no_labour), yes_no(h.relocated), h.address,
    ]


register_export(
    "households", title=_("Households"), columns=HOUSEHOLD_COLUMNS, queryset_for=household_queryset,
    row=household_row, masked_columns=["户主身份证号", "联系电话"], object_type="household", filename="households",
    sheet_name="农户",
)


# --- warnings -----------------------------------------------------------------------------------

WARNING_COLUMNS = ["户编号", "户主姓名", "所属乡镇", "所属村", "预警原因", "渠道", "状态", "年度", "核实期限",
                   "是否逾期", "生成时间"]


def warning_queryset(user, params: QueryDict):
    from shouwang.monitoring.warnings import services as lifecycle

    warnings = WarningFilter.for_page(params, lifecycle.queue(user, lifecycle.today()), user).rows()
    return warnings.annotate(township_name=township_name_subquery())


def warning_row(w) -> list[Any]:
    from shouwang.monitoring.warnings import services as lifecycle

    reason = "；".join(lifecycle.signal_labels(w))  # every rule and source gathered on the warning
    return [
        w.household.number, w.head_name or "", w.township_name or "", w.household.village.name, str(reason),
        str(w.get_channel_display()), str(w.get_status_display()), w.year, w.due_date, yes_no(w.is_overdue),
        w.created_at,
    ]


register_export(
    "warnings", title=pgettext_lazy("household early warnings", "Warnings"), columns=WARNING_COLUMNS,
    queryset_for=warning_queryset, row=warning_row, object_type="warning", filename="warnings", sheet_name="预警",
)


# --- self-reports -------------------------------------------------------------------------------

SELF_REPORT_COLUMNS = ["姓名", "身份证号", "联系电话", "所选村", "困难类型", "状态", "关联户编号", "提交时间"]


def self_report_queryset(user, params: QueryDict):
    from shouwang.monitoring.selfreport import services as selfreports

    reports = selfreports.self_reports_for(user).select_related("village", "household")
    return SelfReportFilter.for_page(params, reports, user).rows().order_by("-created_at", "-id")


def self_report_row(r, clear: bool) -> list[Any]:
    return [
        r.name, (r.id_number or "") if clear else r.id_masked, (r.phone or "") if clear else r.phone_masked,
        r.village.name, str(r.get_risk_type_display()), str(r.get_status_display()),
        r.household.number if r.household_id else "", r.created_at,
    ]


register_export(
    "self_reports", title=_("Self-reports"), columns=SELF_REPORT_COLUMNS, queryset_for=self_report_queryset,
    row=self_report_row, masked_columns=["身份证号", "联系电话"], object_type="self_report", filename="self-reports",
    sheet_name="自主申报",
)


# --- visits -------------------------------------------------------------------------------------

VISIT_COLUMNS = [
    "户编号", "所属村", "走访日期", "走访人", "吃穿不愁", "义务教育保障", "基本医疗保障", "住房安全保障",
    "饮水安全", "估算人均收入（元）", "判断有风险", "发现问题",
]


def visit_queryset(user, params: QueryDict):
    from shouwang.monitoring.fieldwork import services as fieldwork

    visits = VisitFilter.for_page(params, fieldwork.visits_for(user), user).rows()
    return visits.order_by("-visited_on", "-id")


def visit_row(v) -> list[Any]:
    from shouwang.monitoring.fieldwork import services as fieldwork

    visitor = v.visitor.get_full_name() or v.visitor.username if v.visitor_id else ""
    findings = "；".join(str(fieldwork.FINDING_LABELS.get(code, code)) for code in (v.findings or []))
    return [
        v.household.number, v.household.village.name, v.visited_on, visitor,
        yes_no(v.food_secured and v.clothing_secured), yes_no(v.education_secured), yes_no(v.medical_secured),
        yes_no(v.housing_secured), yes_no(v.water_secured), v.income_estimate, yes_no(v.at_risk), findings,
    ]


register_export(
    "visits", title=_("Visits"), columns=VISIT_COLUMNS, queryset_for=visit_queryset, row=visit_row,
    object_type="visit", filename="visits", sheet_name="走访",
)


# --- cases and measures -------------------------------------------------------------------------

CASE_COLUMNS = [
    "户编号", "户主姓名", "户主身份证号", "所属乡镇", "所属村", "监测对象类别", "风险类型", "状态", "来源",
    "发现线索日期", "识别日期", "风险消除日期", "消除方式", "下一步", "步骤期限", "是否逾期",
]


def case_queryset(user, params: QueryDict):
    from shouwang.cases.casework.queries import scoped_cases, with_list_columns
    from shouwang.cases.procedure.deadlines import today_date

    cases = with_list_columns(scoped_cases(user), today_date())
    cases = CaseFilter.for_page(params, cases, user).rows()
    head = Member.objects.filter(household_id=OuterRef("household_id"), relation=Relation.HEAD).order_by("pk")
    return cases.annotate(
        township_name=township_name_subquery(),
        head_id_masked=Subquery(head.values("id_masked")[:1]),
        head_id_cipher=Subquery(head.values("id_number")[:1], output_field=TextField()),
    ).order_by("next_due", "-created_at", "-id")


def case_row(c, clear: bool) -> list[Any]:
    from shouwang.cases.models import StepCode

    risks = "、".join(r.name_zh for r in c.risk_types.all())
    step = str(StepCode(c.next_step).label) if c.next_step in StepCode.values else (c.next_step or "")
    return [
        c.household.number, c.head_name or "", _clear(c.head_id_cipher) if clear else (c.head_id_masked or ""),
        c.township_name or "", c.household.village.name, str(c.get_category_display()), risks,
        str(c.get_status_display()), str(c.get_source_display()), c.first_clue_date, c.identified_on, c.eliminated_on,
        str(c.get_elimination_mode_display()) if c.elimination_mode else "", step, c.next_due,
        yes_no(c.is_overdue or c.step_late),
    ]


MEASURE_COLUMNS = [
    "户编号", "所属村", "监测对象状态", "帮扶措施类型", "开发式措施", "对象成员", "措施内容", "责任单位", "责任人",
    "开始日期", "结束日期", "金额（元）", "资金来源", "措施状态", "绿色通道",
]


def measure_queryset(user, params: QueryDict):
    from shouwang.cases.models import Measure

    measures = Measure.objects.restrict(user, "view").select_related(
        "case", "case__household", "case__household__village", "measure_type", "member",
    )
    return MeasureFilter.for_page(params, measures, user).rows().order_by("region_code", "case_id", "id")


def measure_row(m) -> list[Any]:
    return [
        m.case.household.number, m.case.household.village.name, str(m.case.get_status_display()),
        m.measure_type.name_zh, yes_no(m.measure_type.is_development), m.member.name if m.member_id else "",
        m.description, m.responsible_unit, m.responsible_person, m.starts_on, m.ends_on, m.amount, m.funding_source,
        str(m.get_status_display()), yes_no(m.green_channel),
    ]


def case_titles(user, params: QueryDict, clear: bool) -> list[list[str]]:
    """The row above the header of the xlsx: the term of the monitored population in force this year
    in the user's county (防止返贫监测对象 up to 2024, 防止返贫致贫对象 from 2025, or the county's own)."""
    from shouwang.cases.procedure.deadlines import today_date
    from shouwang.core.permissions import home_region
    from shouwang.monitoring.lines.terms import SOURCE_COUNTY, term_in_force

    term = term_in_force(today_date().year, home_region(user) or "")
    source = "县级设置" if term.source == SOURCE_COUNTY else "文件默认称谓"
    return [[f"{term.term}名单（{term.year}年，称谓：{source}）"]]


register_export(
    "cases", title=_("Cases"), columns=CASE_COLUMNS, queryset_for=case_queryset, row=case_row,
    masked_columns=["户主身份证号"], object_type="case", filename="cases", sheet_name="监测对象",
    title_rows=case_titles,
)
register_export(
    "measures", title=_("Assistance measures"), columns=MEASURE_COLUMNS, queryset_for=measure_queryset,
    row=measure_row, object_type="measure", filename="measures", sheet_name="帮扶措施",
)
