"""The monitoring line list's one filter, ``/api/lines/`` (the line page lists every line the
user may see, unfiltered).

``year`` and ``region_code`` (exact).
"""

from __future__ import annotations

from shouwang.core.filters import ListFilter

from .models import MonitoringLine


class MonitoringLineFilter(ListFilter):
    class Meta:
        model = MonitoringLine
        fields = ["year", "region_code"]
