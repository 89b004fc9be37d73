"""The demo county's village profiles: categories, collective-economy income and indicators.

Written through :func:`.services.save_profile` by each village's cadre (an account of the demo's
cast, ``village_<code>``, with no usable password), so every profile is scoped and in the change
log like one typed in. Everything random comes from ``random.Random(seed)`` in a fixed order.
"""

from __future__ import annotations

import random
from decimal import Decimal

from shouwang.accounts.demo import acting_account
from shouwang.accounts.models import Role
from shouwang.core.audit import acting_as
from shouwang.regions.models import Region

from . import services
from .models import WeakSetting

# Shares of villages with each category or indicator (Luxi was a poverty county: many ex-poor villages).
EX_POOR = 0.35
SLACK = 0.06
INDICATORS = {"hardened_road": 0.97, "tap_water": 0.92, "broadband": 0.86, "clinic": 0.9, "school": 0.4}


def _income(rng: random.Random) -> Decimal:
    """A collective-economy income: most villages between 50,000 and 300,000 yuan, a few far above."""
    amount = rng.lognormvariate(11.8, 0.7)  # median about 133,000
    return Decimal(round(amount, -2)).quantize(Decimal("0.01"))


def populate(county_code: str, year: int, seed: int) -> dict:
    """Profiles of every village of the county for ``year - 1`` and ``year`` (a village keeps its
    categories, its income grows). Villages that already have a profile of a year keep it."""
    rng = random.Random(seed)
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=county_code).order_by("code"))
    made = 0
    existing = set(services.VillageProfile.objects.filter(region_code__startswith=county_code,
                                                          year__in=(year - 1, year)).values_list("village_id", "year"))
    for village in villages:
        ex_poor = rng.random() < EX_POOR
        slack = rng.random() < SLACK
        income = _income(rng)
        indicators = {name: rng.random() < share for name, share in INDICATORS.items()}
        hand = WeakSetting.WEAK if rng.random() < 0.02 else WeakSetting.DERIVED
        user = acting_account(Role.VILLAGE, village.code)
        with acting_as(user, "demo"):
            for offset, growth in ((1, Decimal("1.00")), (0, Decimal(str(round(1 + rng.uniform(-0.05, 0.2), 2))))):
                the_year = year - offset
                if (village.code, the_year) in existing:
                    continue
                services.save_profile(user, village, the_year, ex_poor=ex_poor, slack=slack and offset == 0,
                                      weak_setting=hand, collective_income=(income * growth).quantize(Decimal("1.00")),
                                      **indicators)
                made += 1
    key = services.VillageProfile.objects.filter(region_code__startswith=county_code, year=year).key().count()
    return {"village_profiles": made, "key_villages": key}
