"""A hand-made registry for the relative-poverty tests: households of different sizes in four villages."""

from __future__ import annotations

from decimal import Decimal

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.registry.models import Household, HouseholdYear

YEAR = 2024

# (village, members, wage, business costs): per-capita = (wage − costs) / members
REGISTRY = [
    (VILLAGE_A1, 3, "18000", "0"),        # 6000.00: exactly at the monitoring line, not poor
    (VILLAGE_A1, 1, "0", "0"),            # 0: gap 1
    (VILLAGE_A1, 2, "0", "4000"),         # −2000: counted as zero, gap capped at 1
    (VILLAGE_A1, 4, "12000", "0"),        # 3000.00: exactly at the 50 % line, not poor against it
    (VILLAGE_A2, 2, "11999.98", "0"),     # 5999.99: one fen below the monitoring line
    (VILLAGE_A2, 5, "50000", "0"),        # 10000.00
    (VILLAGE_B1, 1, "2500.50", "0"),      # 2500.50
    (VILLAGE_B1, 3, "60000", "0"),        # 20000.00
]
_numbers = iter(range(1, 10_000))


def add(village: str, members: int, wage: str, costs: str = "0", year: int = YEAR) -> HouseholdYear:
    household = Household.objects.create(number=f"RP{village[-4:]}{next(_numbers):05d}", village_id=village)
    return HouseholdYear.objects.create(household=household, year=year, member_count=members,
                                        wage_income=Decimal(wage), business_costs=Decimal(costs))
