"""The project library's one filter: the list page, ``/api/revitalization/projects/`` and the export.

Parameters: ``year``; ``status``; ``goal``; ``category``; ``township`` (a township code: its
villages' projects); ``village`` (a village code: projects it leads or covers); ``q`` (name contains).
A region outside the user's region matches nothing (the rows are already ``restrict``ed).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shouwang.core.filters import ListFilter, OpenChoiceFilter, chosen_per_user, once
from shouwang.regions.filters import labelled_villages, regions_within
from shouwang.regions.models import Region

from .models import Goal, Project, ProjectCategory, ProjectStatus


class ProjectFilter(ListFilter):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=60,
                                  label=_("Project name contains"))
    year = django_filters.NumberFilter(field_name="year", label=_("Year"))
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"), empty_label=_("All"))
    goal = django_filters.ChoiceFilter(choices=Goal.choices, label=_("Goal"), empty_label=_("All goals"))
    category = django_filters.ChoiceFilter(choices=ProjectCategory.choices, label=_("Project category"),
                                           empty_label=_("All categories"))
    township = OpenChoiceFilter(choices=chosen_per_user, method="filter_township", label=_("Township"),
                                empty_label=_("All townships"), help_text="township code (9 digits)")
    village = OpenChoiceFilter(choices=chosen_per_user, method="filter_village", label=_("Village"),
                               empty_label=_("All villages"), help_text="village code (12 digits)")

    class Meta:
        model = Project
        fields = ["q", "year", "status", "goal", "category", "township", "village"]

    def offer_choices(self, user: Any) -> None:
        townships = once(lambda: regions_within(user, Region.Level.TOWNSHIP))
        villages = once(lambda: regions_within(user, Region.Level.VILLAGE))
        self.set_choices("township", lambda: [(r.code, r.name) for r in townships()])
        self.set_choices("village", lambda: labelled_villages(villages(), townships()))
        self.form_flags["show_township"] = lambda: len(townships()) > 1
        self.form_flags["show_village"] = lambda: len(villages()) > 1

    def filter_township(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        return queryset.filter(region_code__startswith=value) if value else queryset

    def filter_village(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(pk__in=Project.villages.through.objects.filter(region_id=value).values("project_id"))
