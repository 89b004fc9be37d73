"""What the pages of every cases feature share.

The page size, the view permission, the villages of the user's region (filters and notices) and
the head of household's name shown beside a case.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest

from shouwang.regions.models import Region
from shouwang.registry.models import Member, Relation

PAGE_SIZE = 50


def require_view(request: HttpRequest) -> None:
    if not request.user.can("view"):
        raise PermissionDenied


def scope_villages(user) -> list[Region]:
    prefix = user.scope_prefix or ""
    if not prefix:
        return []
    return list(Region.objects.filter(code__startswith=prefix, level=Region.Level.VILLAGE).only("code", "name"))


def head_name_subquery(household_ref: str = "household_id") -> Subquery:
    heads = Member.objects.filter(household_id=OuterRef(household_ref), relation=Relation.HEAD).order_by("pk")
    return Subquery(heads.values("name")[:1])
