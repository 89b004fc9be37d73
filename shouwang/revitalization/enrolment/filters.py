"""The enrolment list's one filter: its page, its API and its export.

``policy`` (a policy id), ``year``, ``source`` (feed, measure, hand), ``region`` (a township or village
code: the code's enrolments and those under it), ``household`` (a household number, exact).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user
from shouwang.regions.filters import regions_within

from ..policies.models import Policy
from .models import Enrolment, EnrolmentSource


class EnrolmentFilter(ListFilter):
    policy = OpenChoiceFilter(choices=chosen_per_user, method="filter_policy", label=_("Policy"),
                              empty_label=_("All"), help_text="policy id")
    year = django_filters.NumberFilter(field_name="year", label=_("Year"))
    source = django_filters.ChoiceFilter(choices=EnrolmentSource.choices, label=_("Source"), empty_label=_("All"))
    region = OpenChoiceFilter(choices=chosen_per_user, method="filter_region", label=_("Township or village"),
                              empty_label=_("All"), help_text="region code prefix")
    household = django_filters.CharFilter(field_name="household__number", label=_("Household number"))

    class Meta:
        model = Enrolment
        fields = ["policy", "year", "source", "region", "household"]

    def offer_choices(self, user: Any) -> None:
        def policies() -> list[tuple[str, str]]:
            return [(str(p.pk), str(p)) for p in Policy.objects.filter(active=True).order_by("code")]

        def regions() -> list[tuple[str, str]]:
            return [(r.code, r.name) for r in regions_within(user, "township", "village")]

        self.set_choices("policy", policies)
        self.set_choices("region", regions)

    def filter_policy(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(policy_id=int(value)) if str(value).isdigit() else queryset.none()

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_code__startswith=value) if value else queryset
