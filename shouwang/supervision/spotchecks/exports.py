"""Spot-check results registered for export: the sampled households of the user's scope."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.supervision.exports.lists import township_name_subquery
from shouwang.supervision.exports.services import register_export

from . import services as spotchecks
from .filters import SampleFilter

SAMPLE_COLUMNS = ["抽查名称", "随机种子", "户编号", "所属乡镇", "所属村", "农户类别", "核查结果", "不一致项", "说明",
                  "核查人", "核查时间"]


def sample_queryset(user, params: QueryDict):
    samples = SampleFilter.for_page(params, spotchecks.samples_for(user), user).rows()
    return samples.annotate(township_name=township_name_subquery()).order_by(
        "spot_check_id", "region_code", "household__number"
    )


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
