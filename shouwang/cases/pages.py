"""What the pages of every cases feature share.

The page size, the villages of the user's region (filters and notices) and the head of
household's name shown beside a case. Who may see a page is each view's ``@requires``.
"""

from __future__ import annotations

from django.db.models import Subquery

from shouwang.core.permissions import restrict
from shouwang.regions.models import Region
from shouwang.registry.households.queries import head_name

PAGE_SIZE = 50


def scope_villages(user) -> list[Region]:
    villages = Region.objects.filter(level=Region.Level.VILLAGE).only("code", "name", "parent_code")
    return list(restrict(user, villages, "view"))


def head_name_subquery(household_ref: str = "household_id") -> Subquery:
    return head_name(household_ref)
