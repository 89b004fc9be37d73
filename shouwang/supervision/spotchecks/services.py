"""Spot checks (抽查): a reproducible random sample per township, and the verification results.

Households are sorted into four classes (monitored, ex-poor with labour, ex-poor without
labour, ordinary; a household with an open case counts as monitored whatever its type), and
in each township each class is sampled at its rate: ``ceil(size × rate)`` households. The
random generator for a (township, class) group is seeded with ``"<seed>:<township>:<class>"``
and draws from the group sorted by household number, so the same seed over the same registry
gives the same sample, and adding a township does not change another township's draw.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import home_region, require, restrict
from shouwang.registry.models import Household, HouseholdType

from .models import DISCREPANCY_FIELDS, HouseholdClass, SampleResult, SpotCheck, SpotCheckSample

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

# policy.md §9: a municipal post-evaluation plan samples stably ex-poor households with labour
# at 1 % and without labour at 1 ‰; the rates of the other two classes are the county's choice.
DEFAULT_RATES: dict[str, Decimal] = {
    HouseholdClass.EX_POOR_LABOUR: Decimal("0.01"),
    HouseholdClass.EX_POOR_NO_LABOUR: Decimal("0.001"),
    HouseholdClass.MONITORED: Decimal("0.05"),
    HouseholdClass.ORDINARY: Decimal("0.001"),
}
MAX_NOTE = 2000


class SpotCheckInvalid(ValueError):
    """A draw or a result that cannot be recorded as given (HTTP 400); the message says why."""


def _acting(user):
    return acting_unless_known(user, "spot check")


class _Monitored(TypedDict):
    monitored: bool


def classify(households: QuerySet[Household]) -> QuerySet[WithAnnotations[Household, _Monitored]]:
    """Annotate ``monitored``: the household has an open case."""
    from shouwang.cases.models import Case, CaseStatus

    open_case = Case.objects.filter(household=OuterRef("pk"), status__in=CaseStatus.open())
    return households.annotate(monitored=Exists(open_case))


def household_class(household_type: str, no_labour: bool, monitored: bool) -> str:
    if monitored:
        return HouseholdClass.MONITORED
    if household_type == HouseholdType.EX_POOR:
        return HouseholdClass.EX_POOR_NO_LABOUR if no_labour else HouseholdClass.EX_POOR_LABOUR
    return HouseholdClass.ORDINARY


def clean_rates(rates: Mapping[str, object]) -> dict[str, str]:
    """Rates as decimal fractions between 0 and 1 (stored as strings, so JSON keeps them exact)."""
    cleaned: dict[str, str] = {}
    for cls in HouseholdClass.values:
        try:
            value = Decimal(str(rates.get(cls, DEFAULT_RATES[cls])))
        except ArithmeticError:
            raise SpotCheckInvalid(_("A rate must be a number.")) from None
        if not (Decimal(0) <= value <= Decimal(1)):
            raise SpotCheckInvalid(_("A rate must be between 0 and 100 %."))
        cleaned[cls] = str(value.normalize()) if value else "0"
    return cleaned


def draw(region: str, seed: int, rates: Mapping[str, object]) -> tuple[list[tuple[int, str, str]], dict]:
    """The sample: ``[(household id, village code, class)]`` and the population per township and class.

    Pure with respect to its inputs and the registry: the same arguments give the same list.
    """
    fractions = {cls: Decimal(str(value)) for cls, value in clean_rates(rates).items()}
    groups: dict[tuple[str, str], list[tuple[str, int, str]]] = defaultdict(list)
    rows = (
        classify(Household.objects.filter(region_code__startswith=region)).order_by()
        .values_list("pk", "number", "region_code", "household_type", "no_labour", "monitored")
    )
    for pk, number, village, household_type, no_labour, monitored in rows.iterator(chunk_size=5000):
        groups[(village[:9], household_class(household_type, no_labour, monitored))].append((number, pk, village))
    sample: list[tuple[int, str, str]] = []
    population: dict[str, dict[str, int]] = defaultdict(dict)
    for (township, cls) in sorted(groups):
        members = sorted(groups[(township, cls)])
        population[township][cls] = len(members)
        size = math.ceil(len(members) * fractions[cls]) if fractions[cls] else 0
        rng = random.Random(f"{seed}:{township}:{cls}")
        for _number, pk, village in rng.sample(members, min(size, len(members))):
            sample.append((pk, village, cls))
    return sample, dict(population)


def new_seed() -> int:
    return secrets.randbelow(2**31)


def draw_spot_check(user, *, name: str, rates: Mapping[str, object] | None = None, seed: int | None = None,
                    region: str | None = None) -> SpotCheck:
    """Draw and store a spot check over the user's county (or a township in it)."""
    require(user, "supervision.draw_spotcheck")
    region = region or home_region(user) or ""
    require(user, "supervision.draw_spotcheck", region, message=_("You may only draw in your own region."))
    name = " ".join((name or "").split())[:200]
    if not name:
        raise SpotCheckInvalid(_("A name is required."))
    stored_rates = clean_rates(rates or {})
    seed = new_seed() if seed is None else int(seed)
    if not (0 <= seed < 2**63):
        raise SpotCheckInvalid(_("The seed must be a positive whole number."))
    sample, population = draw(region, seed, stored_rates)
    with _acting(user), transaction.atomic():
        check = SpotCheck.objects.create(
            name=name, region_id=region, seed=seed, rates=stored_rates, population=population,
            sample_count=len(sample), created_by=user,
        )
        SpotCheckSample.objects.bulk_create(
            [SpotCheckSample(spot_check=check, household_id=pk, region_code=village, household_class=cls)
             for pk, village, cls in sample],
            batch_size=5000,
        )
        record_changes([Change(
            action="create", object_type="supervision.spotcheck", object_id=check.pk, object_repr=name,
            region_code=region, after={"seed": seed, "rates": stored_rates, "households": len(sample)},
        )])
    return check


def spot_checks_for(user) -> QuerySet[SpotCheck]:
    """Spot checks over the user's region, inside it, or over a region containing it.

    Each carries ``samples_seen``: its sampled households inside the user's region. A village
    sees a county's spot check, but only its own households and their count, never the county's.
    """
    seen = (
        SpotCheckSample.objects.restrict(user, "view").filter(spot_check=OuterRef("pk"))
        .order_by().values("spot_check").annotate(n=Count("pk")).values("n")
    )
    return restrict(user, SpotCheck.objects.all(), "supervision.view_spotchecks").annotate(
        samples_seen=Coalesce(Subquery(seen, output_field=IntegerField()), Value(0)),
    )


def samples_for(user) -> QuerySet[SpotCheckSample]:
    return SpotCheckSample.objects.restrict(user, "view").select_related(
        "household", "household__village", "checked_by", "spot_check",
    )


def record_result(sample: SpotCheckSample, user, *, result: str, fields: Iterable[str] = (),
                  note: str = "") -> SpotCheckSample:
    """Record what the verification visit found: as registered, or a discrepancy with its fields."""
    require(user, "supervision.record_spotcheck", sample)
    fields = sorted(set(fields))
    note = (note or "").strip()[:MAX_NOTE]
    if result not in (SampleResult.AS_REGISTERED, SampleResult.DISCREPANCY):
        raise SpotCheckInvalid(_("Choose what the visit found."))
    unknown = [f for f in fields if f not in DISCREPANCY_FIELDS]
    if unknown:
        raise SpotCheckInvalid(_("Unknown field: %(field)s") % {"field": unknown[0]})
    if result == SampleResult.DISCREPANCY and not (fields or note):
        raise SpotCheckInvalid(_("Say which fields differ from the registry, or describe it in the note."))
    if result == SampleResult.AS_REGISTERED:
        fields = []
    before = {"result": sample.result, "fields": sample.fields, "note": sample.note}
    now = timezone.now()
    with _acting(user), transaction.atomic():
        SpotCheckSample.objects.filter(pk=sample.pk).update(
            result=result, fields=fields, note=note, checked_by=user, checked_at=now, updated_at=now,
        )
        record_changes([Change(
            action="update", object_type="supervision.spotchecksample", object_id=sample.pk,
            object_repr=f"{sample.spot_check_id} {sample.household_id}", region_code=sample.region_code,
            before=before, after={"result": result, "fields": fields, "note": note},
        )])
    sample.result, sample.fields, sample.note, sample.checked_by, sample.checked_at = result, fields, note, user, now
    return sample
