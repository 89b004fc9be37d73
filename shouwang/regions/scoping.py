"""Which regions a user may see: their own subtree, plus its ancestors for breadcrumbs.

The code *is* the region (``Region.region_field``), and the action ``regions.view`` (declared
with the base actions in ``shouwang.accounts.permissions``: this part cannot name the roles) has
the ``ON_PATH`` scope, so ``restrict`` gives exactly that; a user whose role may not read, or
who has no region, sees no region at all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shouwang.core.permissions import restrict

from .models import Region

VIEW_REGIONS = "regions.view"


def regions_visible_to(user: Any, action: str = VIEW_REGIONS) -> QuerySet[Region]:
    return restrict(user, Region.objects.all(), action)
