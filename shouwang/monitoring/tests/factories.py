"""Builders for screening tests: a household with exactly the year figures a test needs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shouwang.monitoring.models import FeedSignal
from shouwang.registry.models import Household, HouseholdYear, Member
from shouwang.registry.tests.factories import make_household


def household(village: str, *, members: int = 1, year: int = 2023, wage: str = "10000", prev_wage: str | None = None,
              household_type: str = "ordinary", no_labour: bool = False, labour: list[str] | None = None,
              dibao: bool = False, tekun: bool = False, number: str | None = None, **year_fields) -> Household:
    """A household of ``members`` people whose ``year`` row has the given wage and fields.

    Defaults fire no default rule: 10,000 yuan per person, labour capacity, no problems.
    ``prev_wage`` adds the previous year's row (same members).
    """
    h = make_household(village, number, members=members, year=None, household_type=household_type, no_labour=no_labour)
    if labour:
        for member, value in zip(Member.objects.filter(household=h).order_by("id"), labour, strict=True):
            member.labour = value
            member.save()
    if dibao or tekun:
        first = Member.objects.filter(household=h).order_by("id").first()
        Member.objects.filter(pk=first.pk).update(dibao=dibao, tekun=tekun)
    HouseholdYear.objects.create(household=h, year=year, member_count=members, wage_income=Decimal(wage), **year_fields)
    if prev_wage is not None:
        HouseholdYear.objects.create(household=h, year=year - 1, member_count=members, wage_income=Decimal(prev_wage))
    return h


def signal(h: Household, kind: str, on: date, amount: str | None = None, **fields) -> FeedSignal:
    return FeedSignal.objects.create(
        household=h, kind=kind, date=on, amount=Decimal(amount) if amount is not None else None,
        source=fields.pop("source", "test"), **fields,
    )
