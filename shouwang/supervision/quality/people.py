"""Data-quality rules over the registry that the national checker runs (national-layout.md §4), and
the households that should be monitored but are not (应纳未纳).

Every rule is one query (or one per county, for the line) over the region; Python sees only
the rows found. Ages are ``year - birth_year`` in the latest income year on record
(``rulebase.age_year``). A person rule carries the checker's code for ex-poor people (object 01)
in an ex-poor household and the code for monitored people (12) otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.cases.models import Case, CaseStatus
from shouwang.core.regioncodes import LEVEL_CODE_LENGTH
from shouwang.monitoring.lines.models import LineBook, MonitoringLine
from shouwang.monitoring.warnings.models import Warning, WarningStatus
from shouwang.registry.models import (
    Education,
    Health,
    HouseholdYear,
    HousingGrade,
    IdType,
    Labour,
    Member,
    Relation,
    Schooling,
    Sex,
)

from .models import Severity
from .rulebase import (
    ABLE,
    WORKED,
    CodedRow,
    Row,
    Rule,
    age_year,
    households,
    member_count,
    members,
    person_code,
)

COUNTY_CODE_LENGTH = LEVEL_CODE_LENGTH["county"]
MALE_RELATIONS = (Relation.SON, Relation.SON_IN_LAW)
FEMALE_RELATIONS = (Relation.DAUGHTER, Relation.DAUGHTER_IN_LAW)

# 5_12_013–018 / 5_17_001–006: the ages at which a schooling status is plausible (checker's bounds).
# Shouwang has no master's level of its own ("undergraduate or above"), so 5_12_018 does not apply.
SCHOOLING_AGES: tuple[tuple[tuple[str, ...], int | None, int | None, str], ...] = (
    ((Schooling.PRESCHOOL,), None, 6, "5_12_013/5_17_001"),
    ((Schooling.PRIMARY,), 6, 14, "5_12_014/5_17_002"),
    ((Schooling.JUNIOR,), 12, 17, "5_12_015/5_17_003"),
    ((Schooling.SENIOR, Schooling.SECONDARY_VOCATIONAL), 15, 20, "5_12_016/5_17_004"),
    ((Schooling.HIGHER_VOCATIONAL, Schooling.UNDERGRADUATE), 18, None, "5_12_017/5_17_005"),
)


def _person_rows(qs: QuerySet[Member], detail: str, ex_poor_code: str, monitored_code: str,
                 ) -> Iterator[CodedRow]:
    for pk, household_id, village, name, household_type in qs.values_list(
            "pk", "household_id", "region_code", "name", "household__household_type"):
        yield (village, household_id, pk, None, detail % {"name": name},
               person_code(household_type, ex_poor_code, monitored_code))


def _born_after(year: int, age: int) -> Q:
    """Younger than ``age`` in ``year``."""
    return Q(birth_year__gt=year - age)


def _aged(year: int, low: int, high: int) -> Q:
    """Aged ``low`` to ``high`` (both included) in ``year``."""
    return Q(birth_year__gte=year - high, birth_year__lte=year - low)


def _open_warning() -> Exists:
    return Exists(Warning.objects.filter(household_id=OuterRef("household_id"), status__in=WarningStatus.open()))


def _open_case() -> Exists:
    return Exists(Case.objects.filter(household_id=OuterRef("household_id"), status__in=CaseStatus.open()))


def _monitored() -> Exists:
    """The checker's monitored person: the household has a case that was not rejected."""
    return Exists(Case.objects.filter(household_id=OuterRef("household_id")).exclude(status=CaseStatus.REJECTED))


# --- income and allowances --------------------------------------------------------------------

def allowance_without_transfer(region: str, year: int) -> Iterator[Row]:
    """4_11_013: a member receives 低保 or 特困 support, yet the year's transfer income is 0."""
    receiving = Member.objects.filter(household_id=OuterRef("household_id")).filter(Q(dibao=True) | Q(tekun=True))
    rows = (
        HouseholdYear.objects.filter(region_code__startswith=region, year=year, transfer_income=0)
        .filter(Exists(receiving)).order_by().values_list("household_id", "region_code")
    )
    for household_id, village in rows:
        yield village, household_id, None, None, _(
            "A member receives 低保 or 特困 support, but transfer income in %(year)d is 0.") % {"year": year}


def _counties(region: str) -> list[str]:
    if len(region) >= COUNTY_CODE_LENGTH:
        return [region[:COUNTY_CODE_LENGTH]]
    codes = (households(region).annotate(county=Substr("region_code", 1, COUNTY_CODE_LENGTH))
             .values_list("county", flat=True).distinct())
    return sorted(codes)


def _county_lines(region: str, year: int) -> dict[str, MonitoringLine | None]:
    """The line in force in each county of ``region`` that year (None where there is none): one query."""
    book = LineBook.load(year)
    return {county: book.in_force(county, year) for county in _counties(region)}


def below_line_uncovered(region: str, year: int) -> Iterator[Row]:
    """应纳未纳 (1_02_006): per-capita net income below the line in force, with neither an open
    warning (new or verifying) nor an open case. A county without a line that year is left out
    (the run's notes say so)."""
    for county, line in _county_lines(region, year).items():
        if line is None:
            continue
        scope = region if len(region) > len(county) else county
        rows = (
            HouseholdYear.objects.filter(region_code__startswith=scope, year=year,
                                         per_capita_net_income__lt=line.amount)
            .exclude(_open_warning()).exclude(_open_case()).order_by()
            .values_list("household_id", "region_code", "per_capita_net_income")
        )
        for household_id, village, income in rows:
            yield village, household_id, None, None, _(
                "Per-capita net income %(income)s yuan in %(year)d is below the line of %(line)s yuan, with neither "
                "a warning nor a case.") % {"income": income, "year": year, "line": line.amount}


def below_line_notes(region: str, year: int) -> list[str]:
    return [
        _("No monitoring line is set for %(year)d in %(county)s: the below-the-line check (应纳未纳) found "
          "nothing there.") % {"year": year, "county": county}
        for county, line in _county_lines(region, year).items() if line is None
    ]


GAPS = (
    ("housing", "1_02_001"), ("water", "1_02_002"), ("dropout", "1_02_005"), ("uninsured", "1_02_007"),
)


def guarantee_gap_uncovered(region: str, year: int) -> Iterator[CodedRow]:
    """1_02_001 (unsafe house), 1_02_002 (water), 1_02_005 (dropout), 1_02_007 (any gap: here an
    uninsured member): the year's record shows a 三保障 or water gap, with neither an open warning
    nor an open case."""
    uninsured_member = Exists(Member.objects.filter(household_id=OuterRef("household_id"), medical_insured=False))
    gap = (Q(housing_grade__in=(HousingGrade.C, HousingGrade.D)) | Q(water_secured=False) | Q(dropout=True)
           | Q(uninsured_member=True) | Q(uninsured_member_exists=True))
    rows = (
        HouseholdYear.objects.filter(region_code__startswith=region, year=year)
        .annotate(uninsured_member_exists=uninsured_member).filter(gap)
        .exclude(_open_warning()).exclude(_open_case()).order_by()
        .values_list("household_id", "region_code", "housing_grade", "water_secured", "dropout", "uninsured_member",
                     "uninsured_member_exists")
    )
    details = {
        "housing": _("Unsafe house (grade C or D) in %(year)d, with neither a warning nor a case."),
        "water": _("Drinking water not secured in %(year)d, with neither a warning nor a case."),
        "dropout": _("Compulsory-education dropout in %(year)d, with neither a warning nor a case."),
        "uninsured": _("Member without basic medical insurance in %(year)d, with neither a warning nor a case."),
    }
    for household_id, village, grade, water, dropout, uninsured, uninsured_exists in rows:
        present = {"housing": grade in (HousingGrade.C, HousingGrade.D), "water": not water, "dropout": dropout,
                   "uninsured": uninsured or uninsured_exists}
        for key, code in GAPS:
            if present[key]:
                yield village, household_id, None, None, details[key] % {"year": year}, code


# --- persons ------------------------------------------------------------------------------------

def member_without_ethnicity(region: str, year: int) -> Iterator[CodedRow]:
    """2_01_001 / 2_12_001: 民族 blank."""
    yield from _person_rows(members(region).filter(ethnicity=""), _("%(name)s has no ethnicity recorded."),
                            "2_01_001", "2_12_001")


def relation_against_sex(region: str, year: int) -> Iterator[CodedRow]:
    """2_01_004 / 2_12_008: a son or son-in-law who is female, a daughter or daughter-in-law who is male."""
    qs = members(region).filter(Q(sex=Sex.FEMALE, relation__in=MALE_RELATIONS)
                                | Q(sex=Sex.MALE, relation__in=FEMALE_RELATIONS))
    yield from _person_rows(qs, _("%(name)s: the relation to the head does not match the sex."),
                            "2_01_004", "2_12_008")


def head_and_spouse_same_sex(region: str, year: int) -> Iterator[CodedRow]:
    """2_02_001 (ex-poor household) / 2_11_003 (monitored household): head and spouse of the same sex."""
    head = Member.objects.filter(household_id=OuterRef("household_id"), relation=Relation.HEAD, sex=OuterRef("sex"))
    qs = members(region).filter(relation=Relation.SPOUSE).exclude(sex="").filter(Exists(head))
    yield from _person_rows(qs, _("%(name)s, the spouse, has the same sex as the head of household."),
                            "2_02_001", "2_11_003")


def child_with_labour(region: str, year: int) -> Iterator[CodedRow]:
    """2_01_011 / 2_12_014: under 16 but not 无劳动力."""
    year = age_year(region, year)
    qs = members(region).filter(_born_after(year, 16)).exclude(labour=Labour.NONE)
    yield from _person_rows(qs, _("%(name)s is under 16 but is not recorded as without labour capacity."),
                            "2_01_011", "2_12_014")


def old_with_full_labour(region: str, year: int) -> Iterator[CodedRow]:
    """2_12_005 / 2_12_017: a monitored person aged 60 or more recorded as ordinary or skilled labour."""
    year = age_year(region, year)
    qs = (members(region).filter(birth_year__lte=year - 60, labour__in=(Labour.ORDINARY, Labour.SKILLED))
          .filter(_monitored()))
    yield from _person_rows(qs, _("%(name)s is 60 or older and recorded as ordinary or skilled labour."),
                            "2_12_005/2_12_017", "2_12_005/2_12_017")


def able_bodied_without_labour(region: str, year: int) -> Iterator[CodedRow]:
    """2_01_005-16 (ex-poor) / 5_12_008 (also 1111_14, 1111_15, 2_01_010-16): healthy, 16–59, not
    a student, yet weak, lost or no labour capacity."""
    year = age_year(region, year)
    qs = members(region).filter(_aged(year, 16, 59), health=Health.HEALTHY, schooling=Schooling.NONE,
                                labour__in=(Labour.WEAK, Labour.LOST, Labour.NONE))
    yield from _person_rows(qs, _("%(name)s is healthy, aged 16 to 59 and not a student, but recorded with weak or "
                                  "no labour capacity."), "2_01_005-16", "5_12_008")


def student_with_labour(region: str, year: int) -> Iterator[CodedRow]:
    """1111_07: a student (beyond pre-school) recorded with labour capacity."""
    qs = members(region).exclude(schooling__in=(Schooling.NONE, Schooling.PRESCHOOL)).exclude(labour=Labour.NONE)
    yield from _person_rows(qs, _("%(name)s is a student but is recorded with labour capacity."), "1111_07", "1111_07")


def severe_disability_full_labour(region: str, year: int) -> Iterator[CodedRow]:
    """4_01_007 / 4_01_008: disability grade 1 or 2 recorded as ordinary or skilled labour (any
    category: the disability category is not held)."""
    qs = members(region).filter(disability_grade__in=(1, 2), labour__in=(Labour.ORDINARY, Labour.SKILLED))
    yield from _person_rows(qs, _("%(name)s has a grade 1 or 2 disability but is recorded as ordinary or skilled "
                                  "labour."), "4_01_007", "4_01_008")


def disabled_without_certificate(region: str, year: int) -> Iterator[CodedRow]:
    """4_01_002 / 4_12_003: disabled, without a disability certificate (no such ID type, no grade)."""
    qs = (members(region).filter(health=Health.DISABLED, disability_grade__isnull=True)
          .exclude(id_type=IdType.DISABILITY))
    yield from _person_rows(qs, _("%(name)s is recorded as disabled but has no disability certificate or grade."),
                            "4_01_002", "4_12_003")


def schooling_against_age(region: str, year: int) -> Iterator[CodedRow]:
    """5_12_013–017 / 5_17_001–005: the schooling status does not fit the age."""
    year = age_year(region, year)
    for statuses, low, high, code in SCHOOLING_AGES:
        outside = Q()
        if low is not None:
            outside |= Q(birth_year__gt=year - low)
        if high is not None:
            outside |= Q(birth_year__lt=year - high)
        qs = members(region).filter(schooling__in=statuses, birth_year__isnull=False).filter(outside)
        for pk, household_id, village, name, born, schooling in qs.values_list(
                "pk", "household_id", "region_code", "name", "birth_year", "schooling"):
            yield village, household_id, pk, None, _(
                "%(name)s, aged %(age)d, is recorded as %(schooling)s.") % {
                "name": name, "age": year - born, "schooling": Schooling(schooling).label}, code


def young_with_little_education(region: str, year: int) -> Iterator[CodedRow]:
    """5_12_019 / 5_17_007: aged 16–22, not in school, with primary schooling or less."""
    year = age_year(region, year)
    qs = members(region).filter(_aged(year, 16, 22), schooling=Schooling.NONE,
                                education__in=(Education.ILLITERATE, Education.PRIMARY))
    yield from _person_rows(qs, _("%(name)s is aged 16 to 22 with primary schooling or less."),
                            "5_12_019/5_17_007", "5_12_019/5_17_007")


def tekun_able_bodied(region: str, year: int) -> Iterator[CodedRow]:
    """5_15_018 / 5_15_019: 特困 support for a healthy person aged 18–59 who is not a student."""
    year = age_year(region, year)
    qs = members(region).filter(tekun=True, health=Health.HEALTHY, schooling=Schooling.NONE).filter(
        _aged(year, 18, 59))
    yield from _person_rows(qs, _("%(name)s receives 特困 support but is healthy, aged 18 to 59 and not a student."),
                            "5_15_018", "5_15_019")


def worker_unfit(region: str, year: int) -> Iterator[CodedRow]:
    """2_01_015 / 2_12_004 (also 4_01_006, 4_12_002): a worker who is a student or has no labour;
    5_16_010: a worker under 16; 5_01_004 / 5_12_003: a worker on 特困 support."""
    year = age_year(region, year)
    unfit = (Q(labour__in=(Labour.LOST, Labour.NONE)) | ~Q(schooling=Schooling.NONE) | _born_after(year, 16)
             | Q(tekun=True))
    qs = members(region).filter(WORKED).filter(unfit)
    for pk, household_id, village, name, household_type, born, labour, schooling in qs.values_list(
            "pk", "household_id", "region_code", "name", "household__household_type", "birth_year", "labour",
            "schooling"):
        if born is not None and born > year - 16:
            yield village, household_id, pk, None, _("%(name)s is under 16 but has work recorded.") % {
                "name": name}, "5_16_010"
        elif labour in (Labour.LOST, Labour.NONE) or schooling != Schooling.NONE:
            yield village, household_id, pk, None, _(
                "%(name)s has work recorded but is a student or has no labour capacity.") % {"name": name}, \
                person_code(household_type, "2_01_015", "2_12_004")
        else:
            yield village, household_id, pk, None, _(
                "%(name)s has work recorded but receives 特困 support.") % {"name": name}, \
                person_code(household_type, "5_01_004", "5_12_003")


def skilled_without_work(region: str, year: int) -> Iterator[Row]:
    """5_20_028–031: college-educated or skilled labour, aged 16–59, not a student, with no work recorded."""
    year = age_year(region, year)
    qs = (members(region).filter(Q(education=Education.COLLEGE) | Q(labour=Labour.SKILLED))
          .filter(_aged(year, 16, 59), schooling=Schooling.NONE).exclude(WORKED))
    for pk, household_id, village, name in qs.values_list("pk", "household_id", "region_code", "name"):
        yield village, household_id, pk, None, _(
            "%(name)s is college-educated or skilled labour, aged 16 to 59, with no work recorded.") % {"name": name}


def no_labour_without_allowance(region: str, year: int) -> Iterator[Row]:
    """5_19_003 / 5_19_007: a whole household without labour capacity, and nobody on 低保 or 特困."""
    receiving = Member.objects.filter(household_id=OuterRef("pk")).filter(Q(dibao=True) | Q(tekun=True))
    qs = (households(region).annotate(able=member_count(ABLE, household="pk"), total=member_count(household="pk"))
          .filter(total__gt=0).filter(Q(no_labour=True) | Q(able=0)).exclude(Exists(receiving)))
    for pk, village in qs.values_list("pk", "region_code"):
        yield village, pk, None, None, _("No member has labour capacity, and nobody receives 低保 or 特困 support.")


MOBILE_MASK = r"^1[0-9]{2}\*{4}[0-9]{4}$"  # how crypto.mask_phone writes an 11-digit number


def phone_not_mobile(region: str, year: int) -> Iterator[CodedRow]:
    """2_01_013 / 2_12_007: a phone number that is not an 11-digit mobile number (read from its
    masked copy, which keeps the length, the first three and the last four digits)."""
    qs = members(region).exclude(phone_masked="").exclude(phone_masked__regex=MOBILE_MASK)
    yield from _person_rows(qs, _("%(name)s: the phone number is not an 11-digit mobile number."),
                            "2_01_013", "2_12_007")


def member_uninsured(region: str, year: int) -> Iterator[CodedRow]:
    """2_01_008 / 2_12_012: neither resident nor employee basic medical insurance."""
    yield from _person_rows(members(region).filter(medical_insured=False),
                            _("%(name)s has no basic medical insurance."), "2_01_008", "2_12_012")


E, W = Severity.ERROR, Severity.WARNING
RULES: tuple[Rule, ...] = (
    Rule("ALLOWANCE_NO_TRANSFER", gettext_lazy("低保 or 特困 member with zero transfer income"), E,
         allowance_without_transfer, national="4_11_013"),
    Rule("BELOW_LINE_UNCOVERED", gettext_lazy("Below the line with neither a warning nor a case"), E,
         below_line_uncovered, national="1_02_006", notes=below_line_notes,
         description=gettext_lazy("Per-capita net income of the year below the line in force, no open warning "
                                  "(new or verifying) and no open case.")),
    Rule("GAP_UNCOVERED", gettext_lazy("Guarantee or water gap with neither a warning nor a case"), E,
         guarantee_gap_uncovered, national="1_02_001/1_02_002/1_02_005/1_02_007"),
    Rule("MEMBER_NO_ETHNICITY", gettext_lazy("Member without an ethnicity"), W, member_without_ethnicity,
         national="2_01_001/2_12_001"),
    Rule("RELATION_SEX", gettext_lazy("Relation to the head does not match the sex"), E, relation_against_sex,
         national="2_01_004/2_12_008"),
    Rule("HEAD_SPOUSE_SAME_SEX", gettext_lazy("Head and spouse of the same sex"), E, head_and_spouse_same_sex,
         national="2_02_001/2_11_003"),
    Rule("CHILD_WITH_LABOUR", gettext_lazy("Child under 16 with labour capacity"), E, child_with_labour,
         national="2_01_011/2_12_014"),
    Rule("OLD_FULL_LABOUR", gettext_lazy("Monitored person aged 60 or more with full labour capacity"), W,
         old_with_full_labour, national="2_12_005/2_12_017"),
    Rule("ABLE_BODIED_NO_LABOUR", gettext_lazy("Healthy adult under 60 with weak or no labour capacity"), W,
         able_bodied_without_labour, national="2_01_005-16/2_01_010-16/5_12_008/1111_14/1111_15"),
    Rule("STUDENT_WITH_LABOUR", gettext_lazy("Student with labour capacity"), W, student_with_labour,
         national="1111_07"),
    Rule("SEVERE_DISABILITY_FULL_LABOUR", gettext_lazy("Grade 1 or 2 disability with full labour capacity"), E,
         severe_disability_full_labour, national="4_01_007/4_01_008"),
    Rule("DISABLED_NO_CERTIFICATE", gettext_lazy("Disabled member without a disability certificate"), W,
         disabled_without_certificate, national="4_01_002/4_12_003"),
    Rule("SCHOOLING_AGE", gettext_lazy("Schooling status does not fit the age"), E, schooling_against_age,
         national="5_12_013–017/5_17_001–005"),
    Rule("YOUNG_LITTLE_EDUCATION", gettext_lazy("Aged 16 to 22 with primary schooling or less"), W,
         young_with_little_education, national="5_12_019/5_17_007"),
    Rule("TEKUN_ABLE_BODIED", gettext_lazy("特困 support for a healthy adult under 60"), E, tekun_able_bodied,
         national="5_15_018/5_15_019"),
    Rule("WORKER_UNFIT", gettext_lazy("Work recorded for a child, a student, someone without labour or on 特困"),
         E, worker_unfit, national="2_01_015/2_12_004/4_01_006/4_12_002/5_16_010/5_01_004/5_12_003"),
    Rule("SKILLED_NO_WORK", gettext_lazy("College-educated or skilled adult with no work recorded"), W,
         skilled_without_work, national="5_20_028–031"),
    Rule("NO_LABOUR_NO_ALLOWANCE", gettext_lazy("Household without labour and without 低保 or 特困"), W,
         no_labour_without_allowance, national="5_19_003/5_19_007"),
    Rule("PHONE_NOT_MOBILE", gettext_lazy("Phone number is not an 11-digit mobile number"), W, phone_not_mobile,
         national="2_01_013/2_01_014/2_12_007/4_02_001/5_13_003"),
    Rule("MEMBER_UNINSURED", gettext_lazy("Member without basic medical insurance"), W, member_uninsured,
         national="2_01_008/2_12_012"),
)
