"""What a data-quality rule is, and the querysets every rule starts from.

A rule is a function ``(region, year) -> rows``: ``region`` a prefix of village codes, ``year``
the income year checked. Each row names the village that must fix it, the household, member or
case concerned and a detail; a row may add the national checker's code (national-layout.md §4)
where the rule's code depends on the record (an open or an eliminated case, for one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise

from shouwang.monitoring.lines.services import latest_data_year
from shouwang.registry.models import Household, HouseholdType, HouseholdYear, Labour, Member

# (village code, household id, member id, case id, detail) and optionally the national code.
Row = tuple[str, int | None, int | None, int | None, str]
CodedRow = tuple[str, int | None, int | None, int | None, str, str]


@dataclass(frozen=True)
class Rule:
    code: str
    label: Promise
    severity: str
    function: Callable[[str, int], Iterable[Row | CodedRow]]
    record: str = "household"  # what the finding links to: household (with member) or case
    # The national checker's codes this rule covers, "/"-joined (e.g. "1_01_001/1_12_001" where one
    # Shouwang rule covers both the ex-poor and the monitored person's variant); "" where none.
    national: str = ""
    description: Promise | None = None  # what the rule counts, where the label alone does not say
    # Notes for the run (a year without a line, say): called once per run, returns sentences.
    notes: Callable[[str, int], list[str]] | None = None


def households(region: str) -> QuerySet[Household]:
    return Household.objects.filter(region_code__startswith=region).order_by()


def members(region: str) -> QuerySet[Member]:
    return Member.objects.filter(region_code__startswith=region).order_by()


def cases(region: str) -> QuerySet:
    from shouwang.cases.models import Case

    return Case.objects.filter(region_code__startswith=region).order_by()


def age_year(region: str, year: int) -> int:
    """The year in which a person rule counts ages: the latest income year on record in the region
    (not before ``year``). Members' labour, schooling and health are the registry's current state,
    recorded with the latest year's collection; checking an earlier income year must not age them back."""
    return max(year, latest_data_year(region) or year)


def person_code(household_type: str, ex_poor_code: str, monitored_code: str) -> str:
    """The national code of a person rule: 01 for a member of an ex-poor household, 12 otherwise
    (the national export holds only ex-poor and monitored households; Shouwang checks every one)."""
    return ex_poor_code if household_type == HouseholdType.EX_POOR else monitored_code


def latest_record(field: str, *, up_to: str | None = None) -> Subquery:
    """A field of the household's latest record (of a year ≤ the outer query's ``up_to`` field)."""
    records = HouseholdYear.objects.filter(household_id=OuterRef("household_id"))
    if up_to:
        records = records.filter(year__lte=OuterRef(up_to))
    return Subquery(records.order_by("-year").values(field)[:1])


def member_count(condition: Q | None = None, *, household: str = "household_id") -> Coalesce:
    """How many members of the outer row's household meet ``condition`` (0 when none)."""
    counted = Member.objects.filter(household_id=OuterRef(household))
    if condition is not None:
        counted = counted.filter(condition)
    counted = counted.order_by().values("household_id").annotate(n=Count("id")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), Value(0))


def any_member(condition: Q, *, household: str = "household_id") -> Exists:
    return Exists(Member.objects.filter(condition, household_id=OuterRef(household)))


ABLE = Q(labour__in=Labour.able())
# A member's own work record in the registry: months of work or a place of work.
WORKED = Q(work_months__gt=0) | ~Q(work_location="")
