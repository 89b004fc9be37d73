"""Test data builders: households with members and years, through the model layer."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from shouwang.core.idnumbers import parse_id_number
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import Household, HouseholdYear, Member, Relation

_seq = itertools.count(1)


def make_household(village: str, number: str | None = None, *, members: int = 3, year: int | None = 2023,
                   wage: str = "30000", household_type: str = "ordinary", **fields) -> Household:
    n = next(_seq)
    household = Household.objects.create(
        number=number or f"HH{village[-6:]}{n:05d}", village_id=village, household_type=household_type, **fields,
    )
    for i in range(members):
        m = Member(household=household, name=f"测试{n}-{i}", relation=Relation.HEAD if i == 0 else Relation.SON)
        m.set_id(parse_id_number(make_id_number("433122", date(1950 + i * 9, 1 + n % 12, 1 + i), n * 7 + i)))
        m.set_phone(f"138{n:04d}{i:04d}"[:11])
        m.save()
    if year:
        HouseholdYear.objects.create(household=household, year=year, member_count=members, wage_income=Decimal(wage))
    return household
