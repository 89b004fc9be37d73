"""The register's lists' filters, each shared by its page, its API and its export.

:class:`CadreFilter` (the register's list, ``/api/revitalization/cadres/``, the export):
``kind``; ``talent_type``; ``village``: a village code (exact); ``township``: a region code prefix;
``q``: part of a name, or the last digits of a phone; ``in_term``: ``yes`` for those whose term
covers today. :class:`TrainingFilter`: ``year`` (the year it started) and ``q`` (part of the title).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import labelled_villages, regions_within
from shouwang.regions.models import Region

from .models import Cadre, CadreKind, TalentType, Training


class CadreFilter(ListFilter):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or last digits of the phone"))
    kind = django_filters.ChoiceFilter(choices=CadreKind.choices, label=_("Kind"), empty_label=_("All kinds"))
    talent_type = django_filters.ChoiceFilter(choices=TalentType.choices, label=_("Talent type"),
                                              empty_label=_("All types"))
    township = OpenChoiceFilter(method="filter_township", choices=chosen_per_user, label=_("Township"),
                                empty_label=_("All townships"), help_text="township code (9 digits) or any prefix")
    village = OpenChoiceFilter(field_name="region_code", choices=chosen_per_user, label=_("Village"),
                               empty_label=_("All villages"), help_text="village code (12 digits)")
    in_term = django_filters.ChoiceFilter(
        method="filter_in_term", choices=[("yes", _("In term today"))], label=_("Term"), empty_label=_("Any"),
    )

    class Meta:
        model = Cadre
        fields = ["q", "kind", "talent_type", "township", "village", "in_term"]

    def offer_choices(self, user: Any) -> None:
        villages = once(lambda: regions_within(user, Region.Level.VILLAGE))
        townships = once(lambda: regions_within(user, Region.Level.TOWNSHIP))
        self.set_choices("village", lambda: labelled_villages(villages()))
        self.set_choices("township", lambda: [(t.code, t.name) for t in townships()])
        self.form_flags["show_village"] = lambda: len(villages()) > 1
        self.form_flags["show_township"] = lambda: len(townships()) > 1

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit() and len(value) <= 4:
            return queryset.filter(Q(phone_masked__endswith=value) | Q(name__contains=value))
        return queryset.filter(name__contains=value)

    def filter_township(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_code__startswith=value.strip()) if value.strip() else queryset

    def filter_in_term(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.in_term(date.today()) if value == "yes" else queryset


class TrainingFilter(ListFilter):
    q = django_filters.CharFilter(field_name="title", lookup_expr="contains", label=_("Title"))
    year = django_filters.NumberFilter(field_name="starts_on__year", label=_("Year"))

    class Meta:
        model = Training
        fields = ["q", "year"]
