"""The spot-check sample list's one filter: a spot check's page and the spot-check results export.

``spot_check``: the spot check's id (the page takes it from its address, the export from the
query string); ``result``: a sample result. A value that is not one (an id that is not a
number, an unknown result) is ignored, as it always has been.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter

from .models import SampleResult, SpotCheckSample


class SampleFilter(ListFilter):
    spot_check = django_filters.CharFilter(method="filter_spot_check", help_text="spot check id")
    result = OpenChoiceFilter(
        choices=SampleResult.choices, method="filter_result", label=_("Result"), empty_label=_("All"),
        help_text="sample result; any other value: every result",
    )

    class Meta:
        model = SpotCheckSample
        fields = ["spot_check", "result"]

    def filter_spot_check(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            return queryset.filter(spot_check_id=int(value))
        except ValueError:
            return queryset

    def filter_result(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(result=value) if value in SampleResult.values else queryset
