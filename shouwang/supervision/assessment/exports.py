"""Scorecards registered for export: the same rows, scope and period as the pages.

``scorecard_townships`` is the county page's table, ``scorecard_villages`` a township page's;
both read the stored snapshot of the page's period (``county``, ``start``, ``end`` or ``period``
and, for villages, ``township`` in the query string) through the scorecard's one filter
(:mod:`.filters`, as the pages and the API), so a township officer's file holds their own
township's row and villages and nothing else.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.supervision.exports.services import register_export

from .filters import ScorecardFilter, scorecard_rows
from .indicators import INDICATORS
from .models import ScorecardLevel, ScorecardRow


def _rows(user, params: QueryDict, **fixed: str) -> list[ScorecardRow]:
    data = params.copy()
    for name, value in fixed.items():
        data[name] = value
    return list(ScorecardFilter.for_page(data, scorecard_rows(user), user).rows())


def township_rows(user, params: QueryDict) -> list[ScorecardRow]:
    return _rows(user, params, level=ScorecardLevel.TOWNSHIP)


def village_rows(user, params: QueryDict) -> list[ScorecardRow]:
    return _rows(user, params, level=ScorecardLevel.VILLAGE)


def _columns(area: str) -> list[str]:
    head = ["考核期间", "排名", "参评数", area, "区划代码", "得分", "上期得分", "得分变化", "上期排名", "名次变化"]
    return head + [f"{spec.name_zh}（{spec.unit_zh}）" for spec in INDICATORS.values()]


def _value(row: ScorecardRow, code: str):
    data = row.values.get(code)
    if data is None:
        return "不可用"
    return "" if data.get("value") is None else data["value"]


def row(item: ScorecardRow) -> list:
    snapshot = item.snapshot
    period = f"{snapshot.period_start:%Y-%m-%d}至{snapshot.period_end:%Y-%m-%d}"
    return [
        period, item.rank or "", item.rank_of, item.name, item.region_code,
        "" if item.score is None else item.score, "" if item.previous_score is None else item.previous_score,
        "" if item.score_change is None else item.score_change, item.previous_rank or "",
        "" if item.rank_change is None else item.rank_change,
    ] + [_value(item, code) for code in INDICATORS]


register_export(
    "scorecard_townships", title=_("Township scorecard"), columns=_columns("乡镇"), queryset_for=township_rows,
    row=row, object_type="supervision.scorecardrow", filename="scorecard-townships", sheet_name="乡镇考核",
)
register_export(
    "scorecard_villages", title=_("Village scorecard"), columns=_columns("村"), queryset_for=village_rows,
    row=row, object_type="supervision.scorecardrow", filename="scorecard-villages", sheet_name="村考核",
)
