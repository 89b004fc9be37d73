"""The assistance measures' one filter: the measures export (the list has no page or API of its own).

Parameters: ``village``: a village code (exact); ``status``: a measure status; ``case``: a case id.
A value that names nothing (a status that does not exist, a case id that is not a number)
lists nothing.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter

from .models import Measure, MeasureStatus


class MeasureFilter(ListFilter):
    village = django_filters.CharFilter(field_name="region_code", label=_("Village"))
    status = django_filters.ChoiceFilter(choices=MeasureStatus.choices, label=_("Status"))
    case = django_filters.NumberFilter(field_name="case_id")

    class Meta:
        model = Measure
        fields = ["village", "status", "case"]
