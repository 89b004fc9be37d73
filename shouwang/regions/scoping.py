"""Which regions a user may see: their own subtree, plus its ancestors for breadcrumbs.

Regions carry no ``region_code`` column of their own (the code *is* the region), so the
household-style prefix filter of ``accounts.scoping.restrict`` is applied to ``code`` here,
with the same gate: a user whose role may not "view" sees no region at all.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Region


def regions_visible_to(user, action: str = "view") -> QuerySet[Region]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.can(action):
        return Region.objects.none()
    prefix = user.scope_prefix
    if not prefix:
        return Region.objects.none()
    ancestors = [prefix[:n] for n in sorted(set(Region.LEVEL_CODE_LENGTH.values())) if n < len(prefix)]
    return Region.objects.filter(Q(code__startswith=prefix) | Q(code__in=ancestors))
