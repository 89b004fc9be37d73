"""The name of the monitored population in force for a year and county (policy.md §1).

``term_for(year, county)`` is the one answer: the county's own setting for the year
(:class:`PopulationTerm`), else the default of the documents: 防止返贫监测对象 up to 2024,
防止返贫致贫对象 from 2025 (2025 No.1 Document, 2026 No.1 Document). The term is an official
Chinese name, printed as it is in public notices and exports whatever the interface language.
Where a year has no setting of the county, pages say that the default applies (``TermInForce.source``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shouwang.core.audit import Change, record_changes

from .models import PopulationTerm

TERM_UNTIL_2024 = "防止返贫监测对象"
TERM_FROM_2025 = "防止返贫致贫对象"
FIRST_YEAR_OF_NEW_TERM = 2025
COUNTY_LENGTH = 6

SOURCE_COUNTY = "county"
SOURCE_DEFAULT = "default"
SOURCE_LABELS = {
    SOURCE_COUNTY: _("set by the county for this year"),
    SOURCE_DEFAULT: _("default of the documents (the county has not set this year)"),
}


@dataclass(frozen=True)
class TermInForce:
    year: int
    term: str
    source: str  # SOURCE_COUNTY or SOURCE_DEFAULT

    @property
    def source_label(self):
        return SOURCE_LABELS[self.source]

    def __str__(self) -> str:
        return self.term


def default_term(year: int) -> str:
    return TERM_FROM_2025 if year >= FIRST_YEAR_OF_NEW_TERM else TERM_UNTIL_2024


def term_in_force(year: int | date, region_code: str = "") -> TermInForce:
    """The term of ``year`` (a date: its year) for the county of ``region_code`` (any code in it)."""
    year = year if isinstance(year, int) else year.year
    county = (region_code or "")[:COUNTY_LENGTH]
    if len(county) == COUNTY_LENGTH:
        term = PopulationTerm.objects.filter(region_code=county, year=year).values_list("term", flat=True).first()
        if term:
            return TermInForce(year, term, SOURCE_COUNTY)
    return TermInForce(year, default_term(year), SOURCE_DEFAULT)


def term_for(year: int | date, region_code: str = "") -> str:
    """The term as text (see :func:`term_in_force`)."""
    return term_in_force(year, region_code).term


def with_term(text: str, term: str) -> str:
    """A fixed Chinese text written with 防止返贫监测对象 in the year's term (notices, sheet titles)."""
    if term == TERM_UNTIL_2024:
        return text
    return text.replace(TERM_UNTIL_2024, term)


def set_term(county: str, year: int, term: str, *, basis: str = "", user=None) -> PopulationTerm:
    """Record the county's term for a year (change log); an empty term removes the setting."""
    term = " ".join((term or "").split())
    with transaction.atomic():
        existing = PopulationTerm.objects.filter(region_code=county, year=year).first()
        before = {"term": existing.term, "basis": existing.basis} if existing else None
        if not term:
            if existing:
                existing.delete()
                record_changes([Change(action="delete", object_type="monitoring.populationterm",
                                       object_id=f"{county}:{year}", object_repr=f"{county} {year}",
                                       region_code=county, before=before)])
            return PopulationTerm(region_code=county, year=year, term=default_term(year))
        obj, _created = PopulationTerm.objects.update_or_create(
            region_code=county, year=year,
            defaults={"term": term, "basis": basis, "changed_by": user if getattr(user, "pk", None) else None},
        )
        record_changes([Change(action="update" if existing else "create", object_type="monitoring.populationterm",
                               object_id=f"{county}:{year}", object_repr=f"{county} {year}", region_code=county,
                               before=before, after={"term": term, "basis": basis})])
    return obj
