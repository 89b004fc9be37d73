"""The policy list's one filter: the page, ``/api/policies/`` and any export filter with it.

``continuity`` (kept / adjusted / new), ``kind`` (universal / temporary / incentive), ``subject``
(household / person), ``department`` (part of the name), ``active`` (true / false) and ``q`` (code
or name).
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter

from .models import Continuity, Kind, Policy, Subject


class PolicyFilter(ListFilter):
    q = django_filters.CharFilter(method="search", label=_("Code or name"))
    continuity = django_filters.ChoiceFilter(choices=Continuity.choices, label=_("Continuity"),
                                             empty_label=_("All"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"), empty_label=_("All"))
    subject = django_filters.ChoiceFilter(choices=Subject.choices, label=_("Subject"), empty_label=_("All"))
    department = django_filters.CharFilter(lookup_expr="icontains", label=_("Department"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Policy
        fields = ["q", "continuity", "kind", "subject", "department", "active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name_zh__icontains=value) | Q(name_en__icontains=value))
