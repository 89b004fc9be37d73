"""The reconciliation list's one filter: its page and its export.

Parameters:

* ``status``: ``open`` (not resolved), ``resolved`` or ``all``. The page and its export assume
  ``open`` when the address names none.
* ``township``: a region code prefix; ``village``: a village code (exact; with a village the
  township is not applied, as on the household list).
* ``field``: what differs (the item's field, e.g. a column key of the national layout).
* ``batch``: the import batch that found the difference.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import regions_within, village_choices
from shouwang.regions.models import Region

from .models import ReconciliationItem
from .services import field_label

STATUSES = (("open", _("Open")), ("resolved", _("Resolved")), ("all", _("All")))


class ReconciliationFilter(ListFilter):
    page_defaults = {"status": "open"}

    status = django_filters.ChoiceFilter(
        choices=STATUSES, method="filter_status", label=_("Status"), empty_label=None,
        help_text="open, resolved or all",
    )
    township = OpenChoiceFilter(
        method="filter_township", choices=chosen_per_user, label=_("Township"),
        empty_label=_("All townships"), help_text="region code prefix (a township's 9 digits)",
    )
    village = OpenChoiceFilter(
        field_name="region_code", choices=chosen_per_user, label=_("Village"), empty_label=_("All villages"),
        help_text="village code (12 digits)",
    )
    field = OpenChoiceFilter(
        field_name="field", choices=chosen_per_user, label=_("What differs"), empty_label=_("Everything"),
        help_text="the field that differs",
    )
    batch = django_filters.CharFilter(field_name="batch", label=_("Import batch"), help_text="import batch")

    class Meta:
        model = ReconciliationItem
        fields = ["status", "township", "village", "field", "batch"]

    def offer_choices(self, user: Any) -> None:
        regions = once(lambda: regions_within(user, Region.Level.TOWNSHIP, Region.Level.VILLAGE))
        townships = once(lambda: [r for r in regions() if r.level == Region.Level.TOWNSHIP])
        villages = once(lambda: [r for r in regions() if r.level == Region.Level.VILLAGE])
        items = self.queryset
        self.set_choices("township", lambda: [(r.code, r.name) for r in townships()])
        self.set_choices("village", lambda: village_choices(villages(), townships()))
        self.set_choices("field", lambda: [
            (f, field_label(f)) for f in items.order_by("field").values_list("field", flat=True).distinct()
        ])
        self.form_flags.update(
            show_township=lambda: len(townships()) > 1, show_village=lambda: len(villages()) > 1,
        )

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset

    def filter_township(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if self.form.cleaned_data.get("village"):
            return queryset
        return queryset.filter(region_code__startswith=value.strip()) if value.strip() else queryset
