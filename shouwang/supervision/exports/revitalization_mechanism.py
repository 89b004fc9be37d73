"""The ex-poor label's exit candidates registered for export: the same county, year and scope as the page.

``label_exit_candidates`` (``?year=YYYY``, and ``county`` for a user above a county, as on the page
:mod:`shouwang.revitalization.mechanism.views`): one row per candidate with the per-capita net income
of each year of the county's conditions beside its threshold (line × multiple), and the conditions
as set (or the defaults, named as such).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Subquery, Value
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shouwang.cases.procedure.deadlines import today_date
from shouwang.registry.models import Household, HouseholdYear
from shouwang.revitalization.mechanism import services
from shouwang.revitalization.mechanism.permissions import VIEW_MECHANISM

from .lists import township_name_subquery
from .services import register_export

MAX_YEARS = 10
COLUMNS = ["户编号", "所属乡镇", "所属村", "决定年度",
           *(f"第{n}年人均纯收入（元）" for n in range(1, MAX_YEARS + 1)), "条件来源"]


def _year(params: QueryDict) -> int:
    try:
        year = int(params.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else today_date().year


def _conditions(user, params: QueryDict) -> services.ExitConditions:
    return services.exit_conditions(services.county_for(user, params.get("county") or ""), _year(params))


def candidate_queryset(user, params: QueryDict):
    conditions = _conditions(user, params)
    households = Household.objects.restrict(user, VIEW_MECHANISM.name)
    incomes = {
        f"income_{n}": Subquery(HouseholdYear.objects.filter(household=OuterRef("pk"), year=y)
                                .values("per_capita_net_income")[:1], output_field=DecimalField(max_digits=14,
                                                                                                 decimal_places=2))
        for n, y in enumerate(conditions.years, start=1)
    }
    return (services.exit_candidates(households, conditions).select_related("village")
            .annotate(township_name=township_name_subquery(), decided_year=Value(conditions.year),
                      settings_default=Value(conditions.is_default), **incomes))


def candidate_row(h: Any) -> list[Any]:
    incomes = [getattr(h, f"income_{n}", "") for n in range(1, MAX_YEARS + 1)]
    source = "默认条件（县未设置）" if h.settings_default else "县级设置"
    return [h.number, h.township_name or "", h.village.name, h.decided_year,
            *("" if v in (None, "") else f"{Decimal(v):.2f}" for v in incomes), source]


register_export(
    "label_exit_candidates", title=_("Candidates for leaving the ex-poor label"), columns=COLUMNS,
    queryset_for=candidate_queryset, row=candidate_row, object_type="household", filename="label-exit-candidates",
    sheet_name="脱贫户标识退出候选", action=VIEW_MECHANISM.name,
)
