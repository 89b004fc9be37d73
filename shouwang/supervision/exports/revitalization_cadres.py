"""The cadre and talent register's lists, registered for export: same filter, same scope as the pages.

The people's list (``revitalization_cadres``) has the ID and phone columns masked unless the export
is cleared (the unmask grant and a reason, as every personal-data export); the trainings' list
(``revitalization_trainings``) holds no personal numbers. Column headers are the county's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.revitalization.cadres import services as cadres
from shouwang.revitalization.cadres.filters import CadreFilter, TrainingFilter
from shouwang.revitalization.cadres.models import Cadre, Training
from shouwang.revitalization.cadres.permissions import VIEW_CADRES

from .lists import township_name_subquery
from .services import register_export

CADRE_COLUMNS = ["类别", "姓名", "性别", "出生年份", "身份证号", "联系电话", "所在乡镇", "区划代码",
                 "派出单位/工作单位", "职务", "人才类型", "任期开始", "任期结束", "联系户数（未消除风险）"]


def cadre_queryset(user, params: QueryDict):
    scoped = Cadre.objects.restrict(user, VIEW_CADRES.name)
    rows = CadreFilter.for_page(params, scoped, user).rows()
    return cadres.with_households_held(rows, date.today()).annotate(
        township_name=township_name_subquery()).order_by("region_code", "kind", "name", "pk")


def cadre_row(c: Cadre, clear: bool) -> list[Any]:
    return [
        str(c.get_kind_display()), c.name, str(c.get_sex_display()) if c.sex else "", c.birth_year or "",
        (c.id_number or "") if clear else c.id_masked, (c.phone or "") if clear else c.phone_masked,
        c.township_name or "", c.region_code, c.unit, c.position,
        str(c.get_talent_type_display()) if c.talent_type else "", c.term_start or "", c.term_end or "",
        c.households_held if c.kind == "contact" else "",
    ]


register_export(
    "revitalization_cadres", title=_("Cadres and talent"), columns=CADRE_COLUMNS, queryset_for=cadre_queryset,
    row=cadre_row, masked_columns=["身份证号", "联系电话"], object_type="revitalization.cadre",
    filename="cadres", sheet_name="干部人才台账",
)

TRAINING_COLUMNS = ["培训名称", "主题", "主办单位", "地点", "区划代码", "开始日期", "结束日期", "学时", "应到人数",
                    "实到人数"]


def training_queryset(user, params: QueryDict):
    scoped = Training.objects.restrict(user, VIEW_CADRES.name)
    return cadres.training_counts(TrainingFilter.for_page(params, scoped, user).rows()).order_by("-starts_on", "pk")


def training_row(t: Training) -> list[Any]:
    return [t.title, t.topic, t.organiser, t.place, t.region_code, t.starts_on, t.ends_on or "",
            t.hours if t.hours is not None else "", t.invited, t.present]


register_export(
    "revitalization_trainings", title=_("Trainings"), columns=TRAINING_COLUMNS, queryset_for=training_queryset,
    row=training_row, object_type="revitalization.training", filename="trainings", sheet_name="培训",
)
