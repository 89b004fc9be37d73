"""Data-quality rules over cases that the national checker runs (national-layout.md §4, policy.md §4.1, §6.2).

The cases part's own consistency checks (``cases.consistency.rules``) are run as they are; these
are the checker's rules it does not hold. Each is a few queries over the region's cases, the
conditions evaluated by the database (``Exists`` and subqueries); Python sees only the cases found.

"Identified" means the county approved the case (monitored, in elimination or eliminated);
"open" means not yet eliminated (identifying, monitored or in elimination); the checker's
"monitored household" is a case not rejected. A household's current state (housing, water,
dropout) is its latest income record; what it was at elimination is its record of the
elimination year (or the latest before it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.cases.models import AssistanceContact, Case, CaseStatus, EliminationMode, Measure, MeasureStatus
from shouwang.cases.procedure.models import ProcedureSettings
from shouwang.registry.models import Health, HouseholdYear, HousingGrade, Labour

from .models import Severity
from .rulebase import (
    ABLE,
    WORKED,
    CodedRow,
    Row,
    Rule,
    age_year,
    any_member,
    cases,
    latest_record,
    member_count,
)

IDENTIFIED = (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED)
UNDER_ASSISTANCE = (CaseStatus.MONITORED, CaseStatus.ELIMINATING)
ILLNESS, SCHOOLING, DISABILITY, DISASTER = "YB", "YX", "YC", "YZRZH"
UNSTABLE_EMPLOYMENT, LACK_OF_LABOUR = "YWGJYBW", "QLDL"
JOB_MEASURES = ("employment", "public_welfare_job")  # 就业帮扶, 公益岗位帮扶
UNSAFE_HOUSING = (HousingGrade.C, HousingGrade.D)
SMALL_WAGE = 100  # 5_15_023: a wage income under 100 yuan is a typing slip, not a wage


def _risk(code: str) -> Exists:
    return Exists(Case.risk_types.through.objects.filter(case_id=OuterRef("pk"), risktype__code=code))


# A measure that should show in work or income: in place or completed, not planned (policy.md §6.2 "已实施").
IMPLEMENTED = (MeasureStatus.ACTIVE, MeasureStatus.DONE)


def _measure(codes: tuple[str, ...] | None = None, *, implemented: bool = False) -> Exists:
    """A measure of the case (of one of ``codes``) that was not stopped (in place or completed)."""
    measures = Measure.objects.filter(case_id=OuterRef("pk"))
    measures = (measures.filter(status__in=IMPLEMENTED) if implemented
                else measures.exclude(status=MeasureStatus.STOPPED))
    if codes is not None:
        measures = measures.filter(measure_type__code__in=codes)
    return Exists(measures)


def _rows(qs: QuerySet, detail: str) -> Iterator[Row]:
    for pk, village, household_id in qs.values_list("pk", "region_code", "household_id"):
        yield village, household_id, None, pk, detail


def one_month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _without_work_record(qs: QuerySet) -> QuerySet:
    """Cases whose household has no work record: no member with months or a place of work, no
    wage income in the latest record, no employment or public-welfare-job measure."""
    return (
        qs.annotate(latest_wage=latest_record("wage_income"))
        .exclude(any_member(WORKED)).exclude(latest_wage__gt=0).exclude(_measure(JOB_MEASURES))
    )


# --- elimination ------------------------------------------------------------------------------

def eliminated_without_contact(region: str, year: int) -> Iterator[Row]:
    """1_11_011: an eliminated household keeps a monitoring contact (监测联系人) with a phone."""
    with_phone = AssistanceContact.objects.filter(case_id=OuterRef("pk")).exclude(phone_masked="")
    any_contact = AssistanceContact.objects.filter(case_id=OuterRef("pk"))
    qs = (
        cases(region).filter(status=CaseStatus.ELIMINATED).exclude(Exists(with_phone))
        .annotate(has_contact=Exists(any_contact))
    )
    for pk, village, household_id, has_contact in qs.values_list("pk", "region_code", "household_id", "has_contact"):
        detail = (_("Risk eliminated, but the contact has no phone number.") if has_contact
                  else _("Risk eliminated, but no monitoring contact is recorded."))
        yield village, household_id, None, pk, detail


def assistance_elimination_too_soon(region: str, year: int) -> Iterator[Row]:
    """5_18_009: 帮扶消除 in the identification month or the next ("当月及次月")."""
    qs = (
        cases(region).filter(status=CaseStatus.ELIMINATED, elimination_mode=EliminationMode.ASSISTANCE,
                             identified_on__isnull=False, eliminated_on__isnull=False)
        .annotate(months=(ExtractYear("eliminated_on") - ExtractYear("identified_on")) * 12
                  + ExtractMonth("eliminated_on") - ExtractMonth("identified_on"))
        .filter(months__lte=1)
    )
    for pk, village, household_id, identified, eliminated in qs.values_list(
            "pk", "region_code", "household_id", "identified_on", "eliminated_on"):
        yield village, household_id, None, pk, _(
            "Eliminated through assistance on %(eliminated)s, identified on %(identified)s: the same or the next month."
        ) % {"eliminated": eliminated.isoformat(), "identified": identified.isoformat()}


def eliminated_too_soon(region: str, year: int) -> Iterator[Row]:
    """2_11_002: identified to eliminated in fewer months than the county's stable-income months."""
    from shouwang.cases.elimination.criteria import months_between

    # ProcedureSettings.for_region's longest-prefix rule over the few stored rows, read once.
    stored = dict(ProcedureSettings.objects.values_list("region_code", "elimination_stable_months"))
    default = ProcedureSettings().elimination_stable_months
    needed: dict[str, int] = {}
    qs = cases(region).filter(status=CaseStatus.ELIMINATED, identified_on__isnull=False, eliminated_on__isnull=False)
    for pk, village, household_id, identified, eliminated in qs.values_list(
            "pk", "region_code", "household_id", "identified_on", "eliminated_on"):
        if village not in needed:
            needed[village] = next((stored[village[:n]] for n in range(len(village), -1, -1)
                                    if village[:n] in stored), default)
        months = months_between(identified, eliminated)
        if months < needed[village]:
            yield village, household_id, None, pk, _(
                "Eliminated %(months)d month(s) after identification; at least %(needed)d are required."
            ) % {"months": months, "needed": needed[village]}


def eliminated_without_record(region: str, year: int) -> Iterator[Row]:
    """1_11_004: the income and guarantees after elimination are filled in. Here: the latest income
    record up to the elimination year (what the elimination criteria judged) exists and is of that
    year or the one before."""
    qs = (
        cases(region).filter(status=CaseStatus.ELIMINATED, eliminated_on__isnull=False)
        .annotate(elimination_year=ExtractYear("eliminated_on"))
        .annotate(record_year=latest_record("year", up_to="elimination_year"))
        .filter(Q(record_year__isnull=True) | Q(record_year__lt=F("elimination_year") - 1))
    )
    for pk, village, household_id, eliminated, record_year in qs.values_list(
            "pk", "region_code", "household_id", "eliminated_on", "record_year"):
        if record_year is None:
            detail = _("Risk eliminated in %(year)d, but there is no income record.") % {"year": eliminated.year}
        else:
            detail = _("Risk eliminated in %(year)d, but the latest income record is of %(record)d.") % {
                "year": eliminated.year, "record": record_year}
        yield village, household_id, None, pk, detail


def eliminated_unsafe_housing(region: str, year: int) -> Iterator[Row]:
    """1_11_006, 1_02_008: still (or again) in an unsafe house after elimination."""
    qs = (cases(region).filter(status=CaseStatus.ELIMINATED)
          .annotate(grade=latest_record("housing_grade"), latest=latest_record("year"))
          .filter(grade__in=UNSAFE_HOUSING))
    for pk, village, household_id, grade, latest in qs.values_list(
            "pk", "region_code", "household_id", "grade", "latest"):
        yield village, household_id, None, pk, _(
            "Risk eliminated, but the %(year)d record grades the house %(grade)s (unsafe).") % {
            "year": latest, "grade": grade}


def eliminated_unsafe_water(region: str, year: int) -> Iterator[Row]:
    """1_11_007, 1_02_009: drinking water not secured after elimination."""
    qs = (cases(region).filter(status=CaseStatus.ELIMINATED)
          .annotate(water=latest_record("water_secured"), latest=latest_record("year")).filter(water=False))
    for pk, village, household_id, latest in qs.values_list("pk", "region_code", "household_id", "latest"):
        yield village, household_id, None, pk, _(
            "Risk eliminated, but the %(year)d record says drinking water is not secured.") % {"year": latest}


def _uninsured() -> Q:
    return Q(any_member(Q(medical_insured=False))) | Q(latest_uninsured=True)


def eliminated_uninsured(region: str, year: int) -> Iterator[Row]:
    """1_11_008: after elimination every member has basic medical insurance."""
    qs = (cases(region).filter(status=CaseStatus.ELIMINATED)
          .annotate(latest_uninsured=latest_record("uninsured_member")).filter(_uninsured()))
    yield from _rows(qs, _("Risk eliminated, but a member has no basic medical insurance."))


def eliminated_without_labour(region: str, year: int) -> Iterator[Row]:
    """4_11_011: a household without labour stays monitored under the safety net (policy.md §6.2)."""
    qs = (cases(region).filter(status=CaseStatus.ELIMINATED).annotate(able=member_count(ABLE))
          .filter(Q(household__no_labour=True) | Q(able=0)))
    yield from _rows(qs, _("Risk eliminated, but no member of the household has labour capacity."))


def _eliminated_with_measure_without_income(region: str, codes: tuple[str, ...], field: str) -> QuerySet:
    eliminated_year = ExtractYear("eliminated_on")
    return (
        cases(region).filter(status=CaseStatus.ELIMINATED, eliminated_on__isnull=False)
        .filter(_measure(codes, implemented=True))
        .annotate(elimination_year=eliminated_year)
        .annotate(income=latest_record(field, up_to="elimination_year"),
                  record_year=latest_record("year", up_to="elimination_year"))
        .filter(income=0)
    )


def eliminated_job_without_wage(region: str, year: int) -> Iterator[Row]:
    """4_11_012: eliminated with an employment or public-welfare-job measure, but no wage income."""
    qs = _eliminated_with_measure_without_income(region, JOB_MEASURES, "wage_income")
    for pk, village, household_id, record_year in qs.values_list("pk", "region_code", "household_id", "record_year"):
        yield village, household_id, None, pk, _(
            "Employment or public-welfare-job measure, but wage income is 0 in %(year)d.") % {"year": record_year}


def eliminated_industry_without_business(region: str, year: int) -> Iterator[Row]:
    """5_11_013: eliminated with an industry measure, but no production and business income."""
    qs = _eliminated_with_measure_without_income(region, ("industry",), "business_income")
    for pk, village, household_id, record_year in qs.values_list("pk", "region_code", "household_id", "record_year"):
        yield village, household_id, None, pk, _(
            "Industry measure, but production and business income is 0 in %(year)d.") % {"year": record_year}


def assistance_elimination_without_measure(region: str, year: int) -> Iterator[Row]:
    """1_11_009: 帮扶消除 of a household that received no measure."""
    qs = (cases(region).filter(status=CaseStatus.ELIMINATED, elimination_mode=EliminationMode.ASSISTANCE)
          .exclude(Exists(Measure.objects.filter(case_id=OuterRef("pk")))))
    yield from _rows(qs, _("Eliminated through assistance, but no measure is recorded."))


# --- identification ---------------------------------------------------------------------------

def identified_without_risk(region: str, year: int) -> Iterator[Row]:
    """1_11_001: an identified case names at least one risk type."""
    qs = cases(region).filter(status__in=IDENTIFIED).exclude(
        Exists(Case.risk_types.through.objects.filter(case_id=OuterRef("pk"))))
    yield from _rows(qs, _("Identified, but no risk type is recorded."))


def identified_incomplete(region: str, year: int) -> Iterator[Row]:
    """1_11_002: an identified case has its identification date and an income record (income and 三保障)."""
    any_record = HouseholdYear.objects.filter(household_id=OuterRef("household_id"))
    qs = (cases(region).filter(status__in=IDENTIFIED)
          .filter(Q(identified_on__isnull=True) | ~Exists(any_record))
          .annotate(has_record=Exists(any_record)))
    for pk, village, household_id, identified, has_record in qs.values_list(
            "pk", "region_code", "household_id", "identified_on", "has_record"):
        detail = (_("Identified, but the identification date is missing.") if identified is None
                  else _("Identified, but the household has no income record."))
        if identified is None and not has_record:
            detail = _("Identified, but the identification date and the income record are missing.")
        yield village, household_id, None, pk, detail


def identified_without_measure(region: str, year: int) -> Iterator[Row]:
    """1_11_010: identified more than a month ago and still without a measure."""
    before = one_month_before(timezone.localdate())
    qs = cases(region).filter(status__in=UNDER_ASSISTANCE, identified_on__lt=before).exclude(_measure())
    for pk, village, household_id, identified in qs.values_list("pk", "region_code", "household_id", "identified_on"):
        yield village, household_id, None, pk, _(
            "Identified on %(date)s, more than a month ago, and no measure yet.") % {"date": identified.isoformat()}


# --- risk types against the household -----------------------------------------------------------

def unstable_employment_without_work(region: str, year: int) -> Iterator[Row]:
    """5_15_014: 因务工就业不稳 while nobody in the household has a work record.

    A work record is any of: a member with months of work or a place of work (registry), wage
    income above 0 in the household's latest income record, an employment or public-welfare-job
    measure on the case (not stopped)."""
    qs = _without_work_record(cases(region).exclude(status=CaseStatus.REJECTED).filter(_risk(UNSTABLE_EMPLOYMENT)))
    yield from _rows(qs, _("Unstable-employment risk, but nobody has a work record (months or place of work, wage "
                           "income, employment measure)."))


def disability_risk_without_disabled(region: str, year: int) -> Iterator[Row]:
    """2_11_001: 因残 with no disabled member."""
    qs = (cases(region).exclude(status=CaseStatus.REJECTED).filter(_risk(DISABILITY))
          .exclude(any_member(Q(health=Health.DISABLED) | Q(disability_grade__isnull=False))))
    yield from _rows(qs, _("Disability risk, but no member is recorded as disabled."))


def disaster_without_kind(region: str, year: int) -> Iterator[Row]:
    """2_11_005: 因自然灾害 names its kind (因自然灾害子项)."""
    kind = Case.risk_types.through.objects.filter(case_id=OuterRef("pk"), risktype__parent__code=DISASTER)
    qs = cases(region).exclude(status=CaseStatus.REJECTED).filter(_risk(DISASTER)).exclude(Exists(kind))
    yield from _rows(qs, _("Natural-disaster risk without the kind of disaster."))


def illness_risk_without_illness(region: str, year: int) -> Iterator[Row]:
    """5_15_015: 因病 while nobody is seriously or chronically ill."""
    qs = (cases(region).exclude(status=CaseStatus.REJECTED).filter(_risk(ILLNESS))
          .exclude(any_member(Q(health__in=(Health.SERIOUS, Health.CHRONIC)))))
    yield from _rows(qs, _("Illness risk, but no member has a serious or chronic illness."))


def illness_without_spending(region: str, year: int) -> Iterator[Row]:
    """5_15_020: an open 因病 case whose latest record shows no compliant out-of-pocket spending."""
    qs = (cases(region).filter(status__in=CaseStatus.open()).filter(_risk(ILLNESS))
          .annotate(spending=latest_record("compliant_out_of_pocket")).filter(spending=0))
    yield from _rows(qs, _("Illness risk, but compliant out-of-pocket medical spending is 0."))


def uninsured_without_illness_risk(region: str, year: int) -> Iterator[Row]:
    """4_11_007: an open case with an uninsured member names the illness risk."""
    qs = (cases(region).filter(status__in=CaseStatus.open())
          .annotate(latest_uninsured=latest_record("uninsured_member")).filter(_uninsured())
          .exclude(_risk(ILLNESS)))
    yield from _rows(qs, _("A member has no basic medical insurance, but the illness risk is not named."))


def lack_of_labour_with_labour(region: str, year: int) -> Iterator[Row]:
    """4_11_009, 5_11_029, 5_18_008: 缺劳动力 while the members can work.

    Flagged when every member has labour capacity (4_11_009), when at least half do in a household
    of four or more (5_11_029), or when more than a quarter are ordinary or skilled labour (5_18_008)."""
    qs = (
        cases(region).exclude(status=CaseStatus.REJECTED).filter(_risk(LACK_OF_LABOUR))
        .annotate(total=member_count(), able=member_count(ABLE),
                  strong=member_count(Q(labour__in=(Labour.SKILLED, Labour.ORDINARY))))
        .filter(total__gt=0)
    )
    for pk, village, household_id, total, able, strong in qs.values_list(
            "pk", "region_code", "household_id", "total", "able", "strong"):
        if able == total:
            code = "4_11_009"
        elif total >= 4 and 2 * able >= total:
            code = "5_11_029"
        elif 4 * strong > total:
            code = "5_18_008"
        else:
            continue
        yield village, household_id, None, pk, _(
            "Lack-of-labour risk, but %(able)d of %(total)d members have labour capacity.") % {
            "able": able, "total": total}, code


# --- measures against risks and facts -------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    """A risk or a guarantee gap that needs one of ``measures``; national codes for open and eliminated cases."""

    key: str
    measures: tuple[str, ...]
    open_code: str  # "" where the cases part's own consistency check already covers open cases
    eliminated_code: str


# 5_18_001–007 (open) and 3_11_003–009 (eliminated) in the checker's order; the pairing is inferred.
REQUIREMENTS = (
    Requirement("illness", ("health", "social_assistance", "social_protection"), "", "3_11_003"),
    Requirement("schooling", ("compulsory_education", "other_education", "social_assistance"), "", "3_11_004"),
    Requirement("disability", ("social_protection", "social_assistance"), "5_18_003", "3_11_005"),
    Requirement("housing", ("housing", "relocation"), "5_18_004", "3_11_006"),
    Requirement("dropout", ("compulsory_education",), "5_18_005", "3_11_007"),
    Requirement("water", ("water",), "5_18_006", "3_11_008"),
    Requirement("uninsured", ("health", "social_assistance"), "5_18_007", "3_11_009"),
)


def _requirement_condition(key: str) -> Q:
    return {
        "illness": Q(_risk(ILLNESS)),
        "schooling": Q(_risk(SCHOOLING)),
        "disability": Q(_risk(DISABILITY)),
        "housing": Q(latest_grade__in=UNSAFE_HOUSING),
        "dropout": Q(latest_dropout=True),
        "water": Q(latest_water=False),
        "uninsured": _uninsured(),
    }[key]


def _requirement_detail(key: str) -> str:
    return {
        "illness": _("Illness risk without a health, social-assistance or comprehensive-protection measure."),
        "schooling": _("Schooling risk without an education or social-assistance measure."),
        "disability": _("Disability risk without a comprehensive-protection or social-assistance measure."),
        "housing": _("Unsafe house without a housing-safety or relocation measure."),
        "dropout": _("Compulsory-education dropout without a compulsory-education measure."),
        "water": _("Drinking water not secured without a water-safety measure."),
        "uninsured": _("Member without basic medical insurance and no health or social-assistance measure."),
    }[key]


def risk_without_measure(region: str, year: int) -> Iterator[CodedRow]:
    """5_18_003–007 and 3_11_003–009: each risk or guarantee gap gets a matching measure."""
    base = cases(region).filter(status__in=(*UNDER_ASSISTANCE, CaseStatus.ELIMINATED)).annotate(
        latest_grade=latest_record("housing_grade"), latest_dropout=latest_record("dropout"),
        latest_water=latest_record("water_secured"), latest_uninsured=latest_record("uninsured_member"),
    )
    for requirement in REQUIREMENTS:
        statuses = [CaseStatus.ELIMINATED, *(UNDER_ASSISTANCE if requirement.open_code else ())]
        qs = (base.filter(status__in=statuses).filter(_requirement_condition(requirement.key))
              .exclude(_measure(requirement.measures)))
        detail = _requirement_detail(requirement.key)
        for pk, village, household_id, status in qs.values_list("pk", "region_code", "household_id", "status"):
            code = requirement.eliminated_code if status == CaseStatus.ELIMINATED else requirement.open_code
            yield village, household_id, None, pk, detail, code


def job_measure_without_work(region: str, year: int) -> Iterator[Row]:
    """4_11_014, 1111_3: an employment or public-welfare-job measure in place while nobody works."""
    qs = (cases(region).filter(status__in=UNDER_ASSISTANCE).filter(_measure(JOB_MEASURES, implemented=True))
          .annotate(latest_wage=latest_record("wage_income")).exclude(any_member(WORKED))
          .exclude(latest_wage__gt=0))
    yield from _rows(qs, _("Employment or public-welfare-job measure, but nobody works and wage income is 0."))


def allowance_without_measure(region: str, year: int) -> Iterator[CodedRow]:
    """5_16_003 (低保), 5_16_004 (特困): received, but no comprehensive-protection measure recorded."""
    qs = (cases(region).filter(status__in=UNDER_ASSISTANCE).exclude(_measure(("social_protection",)))
          .annotate(dibao=any_member(Q(dibao=True)), tekun=any_member(Q(tekun=True)))
          .filter(Q(dibao=True) | Q(tekun=True)))
    for pk, village, household_id, dibao in qs.values_list("pk", "region_code", "household_id", "dibao"):
        if dibao:
            yield village, household_id, None, pk, _(
                "A member receives the minimum living allowance (低保), but no comprehensive-protection measure is "
                "recorded."), "5_16_003"
        else:
            yield village, household_id, None, pk, _(
                "A member receives extreme-poverty support (特困), but no comprehensive-protection measure is "
                "recorded."), "5_16_004"


def small_wage(region: str, year: int) -> Iterator[Row]:
    """5_15_023: an open case whose latest wage income is above 0 but under 100 yuan."""
    qs = (cases(region).filter(status__in=CaseStatus.open()).annotate(wage=latest_record("wage_income"))
          .filter(wage__gt=0, wage__lt=SMALL_WAGE))
    for pk, village, household_id, wage in qs.values_list("pk", "region_code", "household_id", "wage"):
        yield village, household_id, None, pk, _("Wage income of %(wage)s yuan: check the amount.") % {"wage": wage}


def _measure_people(region: str) -> QuerySet:
    return Measure.objects.filter(region_code__startswith=region, member__isnull=False).exclude(
        status=MeasureStatus.STOPPED).order_by()


def job_for_unfit_member(region: str, year: int) -> Iterator[CodedRow]:
    """3_01_008 / 5_12_004 (under 16), 5_01_006 / 5_12_005 (aged 70 or more) in a public-welfare job;
    5_15_006 / 5_15_007 public-welfare job or employment measure for someone without labour."""
    year = age_year(region, year)
    rows = (
        _measure_people(region).filter(measure_type__code__in=JOB_MEASURES)
        .values_list("case_id", "region_code", "case__household_id", "member_id", "member__name",
                     "member__birth_year", "member__labour", "measure_type__code", "case__household__household_type")
    )
    for case_id, village, household_id, member_id, name, born, labour, code, household_type in rows:
        age = year - born if born else None
        ex_poor = household_type == "ex_poor"
        if code == "public_welfare_job" and age is not None and age < 16:
            yield village, household_id, member_id, case_id, _(
                "%(name)s is under 16 and holds a public-welfare job.") % {"name": name}, (
                "3_01_008" if ex_poor else "5_12_004")
        elif code == "public_welfare_job" and age is not None and age >= 70:
            yield village, household_id, member_id, case_id, _(
                "%(name)s is 70 or older and holds a public-welfare job.") % {"name": name}, (
                "5_01_006" if ex_poor else "5_12_005")
        elif labour in (Labour.LOST, Labour.NONE):
            yield village, household_id, member_id, case_id, _(
                "%(name)s has no labour capacity but gets an employment or public-welfare-job measure.") % {
                "name": name}, "5_15_006" if code == "public_welfare_job" else "5_15_007"


def _rule(code: str, national: str, severity: str, function, label: Promise,
          description: Promise | None = None) -> Rule:
    return Rule(code, label, severity, function, record="case", national=national, description=description)


E, W = Severity.ERROR, Severity.WARNING
RULES: tuple[Rule, ...] = (
    _rule("ELIMINATED_NO_CONTACT", "1_11_011", E, eliminated_without_contact,
          gettext_lazy("Eliminated without a monitoring contact and phone")),
    _rule("ASSISTANCE_ELIMINATED_TOO_SOON", "5_18_009", E, assistance_elimination_too_soon,
          gettext_lazy("Eliminated through assistance in the identification month or the next")),
    _rule("ELIMINATED_BEFORE_STABLE", "2_11_002", W, eliminated_too_soon,
          gettext_lazy("Eliminated before the months of stable income")),
    _rule("ELIMINATED_NO_RECORD", "1_11_004", E, eliminated_without_record,
          gettext_lazy("Eliminated without a recent income record")),
    _rule("ELIMINATED_UNSAFE_HOUSING", "1_11_006/1_02_008", E, eliminated_unsafe_housing,
          gettext_lazy("Eliminated household in an unsafe house")),
    _rule("ELIMINATED_UNSAFE_WATER", "1_11_007/1_02_009", E, eliminated_unsafe_water,
          gettext_lazy("Eliminated household without safe drinking water")),
    _rule("ELIMINATED_UNINSURED", "1_11_008", E, eliminated_uninsured,
          gettext_lazy("Eliminated household with an uninsured member")),
    _rule("ELIMINATED_NO_LABOUR", "4_11_011", E, eliminated_without_labour,
          gettext_lazy("Eliminated household without labour capacity")),
    _rule("ELIMINATED_JOB_NO_WAGE", "4_11_012", E, eliminated_job_without_wage,
          gettext_lazy("Eliminated with a job measure but no wage income")),
    _rule("ELIMINATED_INDUSTRY_NO_BUSINESS", "5_11_013", E, eliminated_industry_without_business,
          gettext_lazy("Eliminated with an industry measure but no business income")),
    _rule("ASSISTANCE_ELIMINATED_NO_MEASURE", "1_11_009", E, assistance_elimination_without_measure,
          gettext_lazy("Eliminated through assistance without any measure")),
    _rule("IDENTIFIED_NO_RISK", "1_11_001", E, identified_without_risk,
          gettext_lazy("Identified without a risk type")),
    _rule("IDENTIFIED_INCOMPLETE", "1_11_002", E, identified_incomplete,
          gettext_lazy("Identified without the identification date or an income record")),
    _rule("IDENTIFIED_NO_MEASURE", "1_11_010", E, identified_without_measure,
          gettext_lazy("Identified over a month ago without a measure")),
    _rule("UNSTABLE_EMPLOYMENT_NO_WORK", "5_15_014", E, unstable_employment_without_work,
          gettext_lazy("Unstable-employment risk with no work record"),
          gettext_lazy("Work record: a member with months or a place of work, wage income above 0 in the latest "
                       "income record, or an employment or public-welfare-job measure.")),
    _rule("DISABILITY_RISK_NO_DISABLED", "2_11_001", E, disability_risk_without_disabled,
          gettext_lazy("Disability risk without a disabled member")),
    _rule("DISASTER_NO_KIND", "2_11_005", E, disaster_without_kind,
          gettext_lazy("Natural-disaster risk without its kind")),
    _rule("ILLNESS_RISK_NO_ILLNESS", "5_15_015", E, illness_risk_without_illness,
          gettext_lazy("Illness risk without an ill member")),
    _rule("ILLNESS_NO_SPENDING", "5_15_020", W, illness_without_spending,
          gettext_lazy("Illness risk without medical spending")),
    _rule("UNINSURED_NO_ILLNESS_RISK", "4_11_007", W, uninsured_without_illness_risk,
          gettext_lazy("Uninsured member without the illness risk")),
    _rule("LACK_LABOUR_WITH_LABOUR", "4_11_009/5_11_029/5_18_008", E, lack_of_labour_with_labour,
          gettext_lazy("Lack-of-labour risk while members can work")),
    _rule("RISK_WITHOUT_MEASURE", "5_18_003–007/3_11_003–009", E, risk_without_measure,
          gettext_lazy("Risk or guarantee gap without a matching measure")),
    _rule("JOB_MEASURE_NO_WORK", "4_11_014/1111_3", E, job_measure_without_work,
          gettext_lazy("Job measure while nobody works")),
    _rule("ALLOWANCE_NO_MEASURE", "5_16_003/5_16_004", E, allowance_without_measure,
          gettext_lazy("Allowance received but no comprehensive-protection measure")),
    _rule("SMALL_WAGE", "5_15_023", W, small_wage,
          gettext_lazy("Implausibly small wage income")),
    _rule("JOB_FOR_UNFIT_MEMBER", "3_01_008/5_12_004/5_01_006/5_12_005/5_15_006/5_15_007", E, job_for_unfit_member,
          gettext_lazy("Job measure for a child, an old person or someone without labour")),
)
