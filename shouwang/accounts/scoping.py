"""Transitional names for ``shouwang.core.permissions`` (callers move to ``restrict``/``can`` there)."""

from __future__ import annotations

from django.db.models import QuerySet

from shouwang.core import permissions


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    return permissions.restrict(user, queryset, action)


def in_scope(user, region_code: str, action: str = "view") -> bool:
    return permissions.can(user, action, region_code)
