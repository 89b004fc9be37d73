"""Household filters for the API: number, village, township, type and a free-text search."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Household, HouseholdType, Member

_LAST_DIGITS = re.compile(r"^\d{3}[\dXx]$")


class HouseholdFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact", label="household number")
    village = django_filters.CharFilter(field_name="village_id", label="village code (12 digits)")
    township = django_filters.CharFilter(method="filter_township", label="township code (9 digits)")
    household_type = django_filters.ChoiceFilter(choices=HouseholdType.choices)
    q = django_filters.CharFilter(
        method="filter_q",
        label="household number or member name (contains), or the last 4 characters of an ID",
    )

    class Meta:
        model = Household
        fields = ["number", "village", "township", "household_type", "q"]

    def filter_township(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A prefix filter on the stored region code: inside the scope already applied.
        return queryset.filter(region_code__startswith=value.strip()) if value.strip() else queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        members = Member.objects.filter(household=OuterRef("pk"))
        condition = Q(number__icontains=value) | Exists(members.filter(name__icontains=value))
        if _LAST_DIGITS.match(value):
            # Only the masked copy is searchable; it keeps the last four characters.
            condition |= Exists(members.filter(id_masked__endswith=value.upper()))
        return queryset.filter(condition)
