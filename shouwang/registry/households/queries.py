"""Household querysets, annotated so a page of results costs a fixed number of queries.

The pages' list columns and searches (:func:`with_list_columns`, :func:`search_households`, used by
the list's one filter in :mod:`.filters`, and :func:`find_by_id_number`), what other parts'
queues use to show and search households alike (:func:`head_name`, :func:`household_search`),
and the API's scoped querysets (:func:`households_for`, :func:`household_details_for`).
"""

from __future__ import annotations

import re

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from shouwang.core import crypto

from .models import Household, HouseholdYear, Member, Relation

# --- the pages ----------------------------------------------------------------------------------

# What a typed search may match as "the last digits of an ID number": the masked number keeps
# only its last four characters, so at most four (the last may be the check character X).
_ID_TAIL = re.compile(r"\d{0,3}[\dX]")


def with_list_columns(households: QuerySet[Household]) -> QuerySet[Household]:
    """Head's name, member count and the latest year's figures as subqueries: one query a page."""
    members = Member.objects.filter(household=OuterRef("pk")).order_by()
    latest = HouseholdYear.objects.filter(household=OuterRef("pk")).order_by("-year")
    return households.select_related("village").annotate(
        head_name=Subquery(members.filter(relation=Relation.HEAD).order_by("pk").values("name")[:1]),
        member_total=Coalesce(
            Subquery(members.values("household").annotate(n=Count("pk")).values("n")[:1]),
            Value(0), output_field=IntegerField(),
        ),
        latest_year=Subquery(latest.values("year")[:1]),
        latest_per_capita=Subquery(latest.values("per_capita_net_income")[:1]),
    )


def search_households(households: QuerySet[Household], q: str) -> QuerySet[Household]:
    """Match the household number, a member's name, the last digits of a member's ID number, or the
    national household number (户编号, exact or its beginning) of a household taken over."""
    return households.filter(household_search(q) | Q(national_number__startswith=q)) if q else households


def household_search(q: str, household: str = "") -> Q:
    """The condition of :func:`search_households` on rows that point to a household.

    ``household`` is the path to the household from the rows filtered ("" for households
    themselves, ``"household"`` for a warning or a case), so every queue searches alike.
    """
    to = f"{household}__" if household else ""
    members = Member.objects.filter(household=OuterRef(household or "pk"))
    condition = Q(**{f"{to}number__icontains": q}) | Q(Exists(members.filter(name__icontains=q)))
    tail = q.upper()
    if _ID_TAIL.fullmatch(tail):
        condition |= Q(Exists(members.filter(id_masked__endswith=tail)))
    return condition


def head_name(household: str = "household") -> Subquery:
    """The head of household's name for rows pointing to a household (``household`` is the path)."""
    heads = Member.objects.filter(household=OuterRef(household), relation=Relation.HEAD).order_by("pk")
    return Subquery(heads.values("name")[:1])


def find_by_id_number(households: QuerySet[Household], number: str) -> QuerySet[Household]:
    """Households with a member whose normalised ID number has this blind index."""
    index = crypto.blind_index(number)
    return households.filter(Exists(Member.objects.filter(household=OuterRef("pk"), id_index=index)))


# --- the API ------------------------------------------------------------------------------------


def households_for(user) -> QuerySet[Household]:
    """The user's households with the list columns computed by the database.

    Correlated subqueries (not joins with GROUP BY) so that the database evaluates them only
    for the page it returns, whatever the size of the scope.
    """
    latest = HouseholdYear.objects.filter(household=OuterRef("pk")).order_by("-year")
    head = Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by("id")
    members = (
        Member.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Household.objects.restrict(user, "view")
        .select_related("village")
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)),
            head_name=Subquery(head.values("name")[:1]),
            latest_year=Subquery(latest.values("year")[:1]),
            latest_per_capita_income=Subquery(latest.values("per_capita_net_income")[:1]),
        )
        .order_by("number")
    )


def household_details_for(user) -> QuerySet[Household]:
    """As :func:`households_for`, with members and years fetched in one query each."""
    return households_for(user).prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("id")),
        Prefetch("years", queryset=HouseholdYear.objects.order_by("-year")),
    )
