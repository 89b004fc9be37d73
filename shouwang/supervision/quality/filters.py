"""The data-quality finding list's one filter: the data-quality page and its export.

``rule``: a check's code; ``village``: a village code (exact). Both come from the page's own
links (the counts by rule and by village).
"""

from __future__ import annotations

import django_filters

from shouwang.core.filters import ListFilter

from .models import DataQualityFinding


class FindingFilter(ListFilter):
    rule = django_filters.CharFilter(field_name="rule", help_text="check code")
    village = django_filters.CharFilter(field_name="region_code", help_text="village code (12 digits)")

    class Meta:
        model = DataQualityFinding
        fields = ["rule", "village"]
