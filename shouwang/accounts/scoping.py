"""The one scoping choke point: every queryset a user can reach passes through ``restrict``.

A user sees the rows whose region code starts with their region's code, and only for the
actions their role allows; anything else is an empty queryset (so lists, counts and exports
agree, and a detail lookup answers 404).
"""

from __future__ import annotations

from django.db.models import QuerySet


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    if user is None or not getattr(user, "is_authenticated", False) or not user.can(action):
        return queryset.none()
    prefix = user.scope_prefix
    if not prefix:
        return queryset.none()
    field = getattr(queryset.model, "region_field", "region_code")
    return queryset.filter(**{f"{field}__startswith": prefix})


def in_scope(user, region_code: str, action: str = "view") -> bool:
    """The same decision for one region code (e.g. a village chosen in a form or an import row)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.can(action):
        return False
    prefix = user.scope_prefix
    return bool(prefix) and region_code.startswith(prefix)
