"""The normalised mechanism's county-year settings and the ex-poor label exit.

**Exit of the ex-poor label** (2026 No.1 Document §(八): 符合条件的原建档立卡户有序退出): the documents give
no conditions, so they are the county's settings of the year (:class:`~.models.ExitSettings`; without
a row, the defaults below, which the pages name as defaults):

1. the household is an original 建档立卡 ex-poor household (``HouseholdType.EX_POOR``);
2. its per-capita net income was at least ``income_multiple`` × the monitoring line of that year in
   each of the ``consecutive_years`` years up to the year decided (a year without a line cannot count);
3. it has no open case (when asked);
4. it has no open warning (when asked).

:func:`exit_candidates` answers in one query per county (the database counts the qualifying years and
tests the open case and warning); :func:`candidate_values` reads the values a page or a decision
shows. A county officer decides (:func:`decide`): leaving the label changes the household's type to
ordinary (in the registry's change log) and records a :class:`~.models.LabelExit` with the reason and
the values; keeping it records the decision only. Nothing else changes: the household's enrolments,
measures and its label history stay (the policies that keep it from falling back are not ended).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.core.audit import Change, record_changes
from shouwang.core.permissions import require
from shouwang.monitoring.lines.models import LineBook
from shouwang.monitoring.models import Warning, WarningStatus
from shouwang.registry.households.services import leave_ex_poor_label
from shouwang.registry.models import Household, HouseholdType, HouseholdYear

from .models import DEFAULT_CONSECUTIVE_YEARS, DEFAULT_INCOME_MULTIPLE, ExitSettings, LabelDecision, LabelExit
from .permissions import DECIDE_LABEL_EXIT, EDIT_MECHANISM

COUNTY_LENGTH = 6


def county_for(user, asked: str = "") -> str:
    """The county a page, the API or an export is about: the user's own (or the one holding their region);
    above a county, ``asked`` when it lies in the user's region, else the first county in it."""
    from shouwang.core.permissions import home_region
    from shouwang.regions.models import Region

    prefix = home_region(user) or ""
    if len(prefix) >= COUNTY_LENGTH:
        return prefix[:COUNTY_LENGTH]
    counties = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix).order_by("code")
    asked = (asked or "").strip()
    if asked and counties.filter(code=asked).exists():
        return asked
    return counties.values_list("code", flat=True).first() or prefix


# --- the county's exit settings -------------------------------------------------------------------


@dataclass
class ExitConditions:
    """A county's conditions of a year, with the thresholds they give (line × multiple per year)."""

    county: str
    year: int
    income_multiple: Decimal
    consecutive_years: int
    require_no_open_case: bool
    require_no_open_warning: bool
    is_default: bool
    basis: str = ""
    thresholds: dict[int, Decimal | None] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return list(range(self.year - self.consecutive_years + 1, self.year + 1))

    @property
    def missing_lines(self) -> list[int]:
        return [y for y in self.years if self.thresholds.get(y) is None]

    def as_dict(self) -> dict:
        return {
            "county": self.county, "year": self.year, "income_multiple": str(self.income_multiple),
            "consecutive_years": self.consecutive_years, "require_no_open_case": self.require_no_open_case,
            "require_no_open_warning": self.require_no_open_warning, "is_default": self.is_default,
            "thresholds": {str(y): None if t is None else str(t) for y, t in self.thresholds.items()},
        }


def exit_conditions(county: str, year: int) -> ExitConditions:
    county = county[:COUNTY_LENGTH]
    row = ExitSettings.objects.filter(region_code=county, year=year).first()
    if row is None:
        conditions = ExitConditions(county, year, DEFAULT_INCOME_MULTIPLE, DEFAULT_CONSECUTIVE_YEARS, True, True,
                                    is_default=True)
    else:
        conditions = ExitConditions(county, year, row.income_multiple, row.consecutive_years,
                                    row.require_no_open_case, row.require_no_open_warning, is_default=False,
                                    basis=row.basis)
    book = LineBook(list(_lines(conditions.years)))
    for y in conditions.years:
        line = book.in_force(county, y)
        conditions.thresholds[y] = None if line is None else (line.amount * conditions.income_multiple).quantize(
            Decimal("0.01"))
    return conditions


def _lines(years):
    from shouwang.monitoring.lines.models import MonitoringLine

    return MonitoringLine.objects.filter(year__in=list(years))


def save_exit_settings(user, county: str, year: int, *, income_multiple: Decimal, consecutive_years: int,
                       require_no_open_case: bool, require_no_open_warning: bool, basis: str = "") -> ExitSettings:
    require(user, EDIT_MECHANISM.name, county)
    if income_multiple <= 0 or not 1 <= consecutive_years <= 10:
        raise ValidationError(_("The multiple must be positive and the years between 1 and 10."))
    with transaction.atomic():
        existing = ExitSettings.objects.filter(region_code=county, year=year).first()
        before = _settings_snapshot(existing) if existing else None
        row, _created = ExitSettings.objects.update_or_create(region_code=county, year=year, defaults={
            "income_multiple": income_multiple, "consecutive_years": consecutive_years,
            "require_no_open_case": require_no_open_case, "require_no_open_warning": require_no_open_warning,
            "basis": basis, "changed_by": user if getattr(user, "pk", None) else None,
        })
        record_changes([Change(action="update" if existing else "create",
                               object_type="revitalization.exitsettings", object_id=row.pk,
                               object_repr=str(row), region_code=county, before=before,
                               after=_settings_snapshot(row))])
    return row


def _settings_snapshot(row: ExitSettings) -> dict:
    return {"income_multiple": str(row.income_multiple), "consecutive_years": row.consecutive_years,
            "require_no_open_case": row.require_no_open_case,
            "require_no_open_warning": row.require_no_open_warning, "basis": row.basis}


# --- the candidates -----------------------------------------------------------------------------


def exit_candidates(households: QuerySet, conditions: ExitConditions) -> QuerySet:
    """The ex-poor households of ``households`` (already scoped) in the county that meet the conditions
    and have no decision for the year yet; computed by the database. Empty when a year has no line."""
    qs = households.filter(region_code__startswith=conditions.county, household_type=HouseholdType.EX_POOR)
    if conditions.missing_lines or not conditions.years:
        return qs.none()
    good_year = Q()
    for y, threshold in conditions.thresholds.items():
        good_year |= Q(years__year=y, years__per_capita_net_income__gte=threshold)
    qs = qs.annotate(qualifying_years=Count("years", filter=good_year, distinct=True)).filter(
        qualifying_years=conditions.consecutive_years)
    if conditions.require_no_open_case:
        qs = qs.filter(~Exists(Case.objects.filter(household=OuterRef("pk"), status__in=CaseStatus.open())))
    if conditions.require_no_open_warning:
        qs = qs.filter(~Exists(Warning.objects.filter(household=OuterRef("pk"), status__in=WarningStatus.open())))
    decided = LabelExit.objects.filter(household=OuterRef("pk"), year=conditions.year)
    return qs.filter(~Exists(decided)).order_by("region_code", "number")


def candidate_values(households: list[Household], conditions: ExitConditions) -> dict[int, dict]:
    """Each household's values for the conditions (why it is a candidate): incomes and thresholds per
    year, whether each year holds, and its open case and warning. Three queries for the whole page."""
    ids = [h.pk for h in households]
    incomes: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    for household_id, y, income in HouseholdYear.objects.filter(
            household_id__in=ids, year__in=conditions.years).values_list("household_id", "year",
                                                                        "per_capita_net_income"):
        incomes[household_id][y] = income
    open_cases = set(Case.objects.filter(household_id__in=ids, status__in=CaseStatus.open())
                     .values_list("household_id", flat=True))
    open_warnings = set(Warning.objects.filter(household_id__in=ids, status__in=WarningStatus.open())
                        .values_list("household_id", flat=True))
    values = {}
    for household_id in ids:
        years = []
        for y in conditions.years:
            income, threshold = incomes[household_id].get(y), conditions.thresholds.get(y)
            holds = income is not None and threshold is not None and Decimal(income) >= threshold
            years.append({"year": y, "per_capita": None if income is None else str(income),
                          "threshold": None if threshold is None else str(threshold), "holds": holds})
        values[household_id] = {
            "years": years,
            "income_holds": all(item["holds"] for item in years),
            "open_case": household_id in open_cases,
            "open_warning": household_id in open_warnings,
        }
    return values


def is_candidate(household: Household, conditions: ExitConditions) -> bool:
    return exit_candidates(Household.objects.filter(pk=household.pk), conditions).exists()


# --- the decision -------------------------------------------------------------------------------


def decide(user, household: Household, year: int, decision: str, reason: str) -> LabelExit:
    """Record a county officer's decision on a candidate; leaving the label makes the household ordinary."""
    require(user, DECIDE_LABEL_EXIT.name, household)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Give the reason for the decision."))
    if decision not in LabelDecision.values:
        raise ValidationError(_("Unknown decision."))
    conditions = exit_conditions(household.region_code, year)
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        if not is_candidate(household, conditions):
            raise ValidationError(_("The household does not meet the county's exit conditions for %(year)d, "
                                    "or has a decision for that year already.") % {"year": year})
        values = candidate_values([household], conditions)[household.pk]
        entry = LabelExit.objects.create(
            household=household, year=year, decision=decision, reason=reason,
            conditions={"settings": conditions.as_dict(), **values}, previous_type=household.household_type,
            decided_by=user if getattr(user, "pk", None) else None,
        )
        if decision == LabelDecision.EXIT:
            leave_ex_poor_label(household)
        record_changes([Change(action="create", object_type="revitalization.labelexit", object_id=entry.pk,
                               object_repr=f"{household.number} {year}", region_code=household.region_code,
                               after={"decision": decision, "reason": reason, "year": year,
                                      "previous_type": entry.previous_type})])
    return entry
