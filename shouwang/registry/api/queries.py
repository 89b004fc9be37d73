"""Household querysets for the API, annotated so a page of results costs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from shouwang.registry.models import Household, HouseholdYear, Member, Relation


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
