"""The demo registry in the database: seeding, finding and deleting the demo households.

The households come from :class:`.generator.Generator`, village by village. Rows are written with
:func:`shouwang.core.bulk.insert_rows` (one transaction, no ``save()``), personal numbers
encrypted exactly as :class:`~shouwang.registry.models.Member` stores them. Demo households
carry ``import_batch = DEMO_BATCH`` and numbers ``D`` + village code + sequence.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator
from datetime import date
from itertools import accumulate, islice
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.core import crypto
from shouwang.core.bulk import insert_rows
from shouwang.core.idnumbers import mask_id_number
from shouwang.regions.models import Region

from ..households.audit import suppress_change_log
from ..households.models import (
    HOUSEHOLD_BULK_FIELDS,
    MEMBER_BULK_FIELDS,
    YEAR_BULK_FIELDS,
    Household,
    HouseholdYear,
    IdType,
    Member,
)
from .generator import DemoError, DemoHousehold, Generator

DEMO_BATCH = "seed_demo"
DEMO_PREFIX = "D"


def parse_years(text: str) -> tuple[int, int]:
    """``2021-2025`` or ``2024`` → (first, last)."""
    first, _sep, last = text.partition("-")
    try:
        a, b = int(first), int(last or first)
    except ValueError:
        raise DemoError(_("Years must look like 2021-2025, not %(text)r.") % {"text": text}) from None
    if not 2000 <= a <= b <= date.today().year:
        raise DemoError(
            _(
                "Years %(text)r: the first year must not be after the last, and both must lie "
                "between 2000 and the current year."
            )
            % {"text": text}
        )
    return a, b


def demo_households():
    return Household.objects.filter(import_batch=DEMO_BATCH)


def delete_demo() -> int:
    """Remove every demo household with its members and years.

    Members and years go by raw deletes: with the change-log signals connected, Django's
    deletion collector would load every row (minutes at 100,000 households). Households go the
    same way unless something else (warnings, cases…) refers to them; then the ORM deletes them
    so that those references cascade, or protect, as declared. Demo data is not registry work,
    so none of this goes into the change log.
    """
    with transaction.atomic(), suppress_change_log():
        households = demo_households()
        count = households.count()
        HouseholdYear.objects.filter(household__in=households)._raw_delete(HouseholdYear.objects.db)
        Member.objects.filter(household__in=households)._raw_delete(Member.objects.db)
        referenced = any(
            rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": households}).exists()
            for rel in Household._meta.related_objects
            if rel.related_model not in (Member, HouseholdYear)
        )
        if referenced:
            households.delete()
        else:
            households._raw_delete(households.db)
    return count


def _villages(county: str | None) -> list[Region]:
    qs = Region.objects.filter(level=Region.Level.VILLAGE)
    if county:
        qs = qs.filter(code__startswith=county)
    return list(qs.order_by("code"))


def _plan(gen: Generator, villages: list[Region], households: int) -> list[tuple[Region, int]]:
    """How many households each village gets: communities are larger, the forest farm tiny."""
    weights = []
    for v in villages:
        base = 1.6 if v.name.endswith("社区") else 0.15 if v.name.endswith("生活区") else 1.0
        weights.append(base * gen.rng.uniform(0.6, 1.4))
    cum = list(accumulate(weights))
    counts = [0] * len(villages)
    for _i in range(households):
        counts[bisect.bisect(cum, gen.rng.random() * cum[-1])] += 1
    return [(v, n) for v, n in zip(villages, counts, strict=True) if n]


def seed_demo(
    households: int,
    seed: int = 20240601,
    years: tuple[int, int] = (2021, 2025),
    county: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> dict:
    """Generate and insert ``households`` demo households; returns counts and seconds.

    Households are generated village by village in code order and numbered
    ``D<village><seq>``, so each chunk's new ids can be read back by a number range.
    """
    started = time.perf_counter()
    villages = _villages(county)
    if not villages:
        if county:
            raise DemoError(
                _("No villages are loaded under %(code)s: run load_regions first.") % {"code": county}
            )
        raise DemoError(_("No villages are loaded: run load_regions first."))
    gen = Generator(seed, *years, today=today)
    plan = _plan(gen, villages, households)
    width = max(4, len(str(max(n for _, n in plan))))
    townships = {r.code: r.name for r in Region.objects.filter(code__in={v.code[:9] for v in villages})}
    # Relocated households live in a settlement beside a community of their own township if it has one.
    communities = [
        (v.code[:9], f"{townships.get(v.code[:9], '')}{v.name}安置区")
        for v in villages
        if v.name.endswith("社区")
    ]
    all_settlements = [name for _, name in communities]

    def numbered() -> Iterator[tuple[str, Region, str, list[str]]]:
        for village, n in plan:
            township = village.code[:9]
            place = townships.get(township, "") + village.name
            settlements = [name for code, name in communities if code == township] or all_settlements
            for seq in range(1, n + 1):
                yield f"{DEMO_PREFIX}{village.code}{seq:0{width}d}", village, place, settlements

    chunk = max(500, households // 10)
    made: dict[str, Any] = {"households": 0, "members": 0, "years": 0}
    sequence = numbered()
    with transaction.atomic():
        while batch := [
            gen.household(number, village.code, place, settlements)
            for number, village, place, settlements in islice(sequence, chunk)
        ]:
            _insert(batch, made)
            if progress:
                progress(made["households"], households)
    made["seconds"] = round(time.perf_counter() - started, 1)
    return made


def _insert(batch: list[DemoHousehold], made: dict) -> None:
    insert_rows(
        Household,
        HOUSEHOLD_BULK_FIELDS,
        (
            (
                h.number,
                h.village,
                h.village,
                h.household_type,
                h.no_labour,
                h.relocated,
                h.settlement,
                h.address,
                DEMO_BATCH,
            )
            for h in batch
        ),
    )
    ids = dict(
        demo_households()
        .filter(number__gte=batch[0].number, number__lte=batch[-1].number)
        .values_list("number", "id")
    )
    encrypt, index, mask_phone = crypto.encrypt, crypto.blind_index, crypto.mask_phone

    def member_rows():
        for h in batch:
            hid = ids[h.number]
            for p in h.members:
                assert p.birth is not None  # the generator gives everyone a birth date
                yield (
                    hid,
                    h.village,
                    p.name,
                    p.sex,
                    IdType.RESIDENT,
                    encrypt(p.id_number),
                    index(p.id_number),
                    mask_id_number(p.id_number),
                    p.birth.year,
                    p.relation,
                    p.ethnicity,
                    p.education,
                    p.schooling,
                    p.health,
                    p.disability_grade,
                    p.labour,
                    p.work_location,
                    p.work_months,
                    encrypt(p.phone),
                    mask_phone(p.phone),
                    p.medical_insured,
                    p.pension_insured,
                    p.dibao,
                    p.tekun,
                )

    def year_rows():
        for h in batch:
            hid = ids[h.number]
            for y in h.years:
                yield (hid, h.village) + y

    made["households"] += len(batch)
    made["members"] += insert_rows(Member, MEMBER_BULK_FIELDS, member_rows())
    made["years"] += insert_rows(HouseholdYear, YEAR_BULK_FIELDS, year_rows())
