"""The low-income layer list's filter (``/api/revitalization/low-income-layers/``).

``layer``: 低保 ``dibao``, 特困 ``tekun``, 低保边缘 ``dibao_edge``, 刚性支出困难家庭 ``rigid_spending``;
``household``: a household number (exact); ``region``: a region code prefix; ``current``: ``yes`` for
the periods current today, ``no`` for those ended.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.cases.procedure.deadlines import today_date
from shouwang.core.filters import ListFilter
from shouwang.registry.households.layers import current_q
from shouwang.registry.models import LayerKind, LowIncomeLayer


class LayerFilter(ListFilter):
    layer = django_filters.ChoiceFilter(choices=LayerKind.choices, label=_("Layer"), empty_label=_("All layers"))
    household = django_filters.CharFilter(field_name="household__number", help_text="household number")
    region = django_filters.CharFilter(method="filter_region", help_text="region code prefix")
    current = django_filters.ChoiceFilter(method="filter_current", choices=[("yes", _("Current")), ("no", _("Ended"))],
                                          label=_("Current"), empty_label=_("Any"))

    class Meta:
        model = LowIncomeLayer
        fields = ["layer", "household", "region", "current"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(region_code__startswith=value) if value else queryset

    def filter_current(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = today_date()
        if value == "yes":
            return queryset.filter(current_q(today))
        if value == "no":
            return queryset.exclude(current_q(today))
        return queryset
