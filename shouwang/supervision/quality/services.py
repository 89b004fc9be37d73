"""Data quality: rules over the registry and the cases, run as a job; findings point at what to fix.

Each registry rule is one or two queries over a region (a prefix of village codes) that return
exactly the offending records, whatever the registry's size: conditions are ``Exists`` and
aggregates the database evaluates, never a loop over households. The cases' consistency
rules are :func:`shouwang.cases.consistency.rules.find_problems`; the national checker's rules
(national-layout.md §4) over people and households are in ``people.py``, over cases in
``casechecks.py``, and each finding carries the checker's code (``national_code``). The list of
rules and of the checker's codes each covers is docs/data-quality.md.

A run replaces the findings of its region (the table is the current state); the run row keeps
the counts per rule. ``error_counts`` gives the scorecard its errors per village.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.bulk import insert_rows
from shouwang.core.models import Job
from shouwang.core.permissions import restrict
from shouwang.monitoring.lines.services import latest_data_year
from shouwang.registry.models import Household, HouseholdType, HouseholdYear, Member, Relation

from . import casechecks, people, policygaps
from .models import DataQualityFinding, DataQualityRun, Severity
from .rulebase import Row, Rule, households, members

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations

logger = logging.getLogger(__name__)

JOB_KIND = "data_quality"
MAX_AGE = 120
COMPULSORY_AGES = (6, 16)  # 义务教育: the ages at which a dropout is possible
BATCH = 5000
FINDING_FIELDS = ("run_id", "region_code", "rule", "severity", "household_id", "member_id", "case_id", "detail",
                  "national_code")

# A row of the cases' consistency checks: always a case, never a household or member of its own.
CaseRow = tuple[str, None, None, int, str]


def member_without_id(region: str, year: int) -> Iterator[Row]:
    for pk, household_id, village, name in (
        members(region).filter(id_index="").values_list("pk", "household_id", "region_code", "name")
    ):
        yield village, household_id, pk, None, _("%(name)s has no ID number") % {"name": name}


def duplicate_id(region: str, year: int) -> Iterator[Row]:
    """The same person (same ID number) registered twice; every copy inside the region is listed."""
    repeated = (
        Member.objects.exclude(id_index="").order_by().values("id_index").annotate(n=Count("pk")).filter(n__gt=1)
        .values("id_index")
    )
    rows = (
        members(region).filter(id_index__in=Subquery(repeated))
        .values_list("pk", "household_id", "region_code", "name", "id_masked")
    )
    for pk, household_id, village, name, masked in rows:
        yield village, household_id, pk, None, _("%(name)s (%(id)s) is registered more than once") % {
            "name": name, "id": masked,
        }


def impossible_age(region: str, year: int) -> Iterator[Row]:
    this_year = timezone.localdate().year
    rows = (
        members(region).filter(Q(birth_year__gt=this_year) | Q(birth_year__lt=this_year - MAX_AGE))
        .values_list("pk", "household_id", "region_code", "name", "birth_year")
    )
    for pk, household_id, village, name, born in rows:
        yield village, household_id, pk, None, _("%(name)s: birth year %(year)d") % {"name": name, "year": born}


class _Heads(TypedDict):
    heads: int


def _head_counts(region: str) -> QuerySet[WithAnnotations[Household, _Heads]]:
    return households(region).annotate(heads=Count("members", filter=Q(members__relation=Relation.HEAD)))


def no_head(region: str, year: int) -> Iterator[Row]:
    for pk, village in _head_counts(region).filter(heads=0).values_list("pk", "region_code"):
        yield village, pk, None, None, _("No member is the head of household")


def several_heads(region: str, year: int) -> Iterator[Row]:
    for pk, village, heads in _head_counts(region).filter(heads__gt=1).values_list("pk", "region_code", "heads"):
        yield village, pk, None, None, _("%(n)d members are marked head of household") % {"n": heads}


def no_income_for_year(region: str, year: int) -> Iterator[Row]:
    has_year = HouseholdYear.objects.filter(household=OuterRef("pk"), year=year)
    for pk, village in households(region).filter(~Exists(has_year)).values_list("pk", "region_code"):
        yield village, pk, None, None, _("No income record for %(year)d") % {"year": year}


def negative_income(region: str, year: int) -> Iterator[Row]:
    rows = (
        HouseholdYear.objects.filter(region_code__startswith=region, year=year, per_capita_net_income__lt=0)
        .order_by().values_list("household_id", "region_code", "per_capita_net_income")
    )
    for household_id, village, income in rows:
        yield village, household_id, None, None, _("Per-capita net income %(income)s yuan in %(year)d") % {
            "income": income, "year": year,
        }


def dropout_without_child(region: str, year: int) -> Iterator[Row]:
    """A compulsory-education dropout flagged on a household where nobody is of school age."""
    low, high = year - COMPULSORY_AGES[1], year - COMPULSORY_AGES[0]
    child = Member.objects.filter(household=OuterRef("household_id")).filter(
        Q(birth_year__isnull=True) | Q(birth_year__gte=low, birth_year__lte=high)
    )
    rows = (
        HouseholdYear.objects.filter(region_code__startswith=region, year=year, dropout=True)
        .filter(~Exists(child)).order_by().values_list("household_id", "region_code")
    )
    for household_id, village in rows:
        yield village, household_id, None, None, _(
            "Dropout flagged in %(year)d but no member is of compulsory-school age"
        ) % {"year": year}


def ex_poor_without_history(region: str, year: int) -> Iterator[Row]:
    """An ex-poor household with no income record of any year (the registry has no exit-year field)."""
    any_year = HouseholdYear.objects.filter(household=OuterRef("pk"))
    rows = (
        households(region).filter(household_type=HouseholdType.EX_POOR).filter(~Exists(any_year))
        .values_list("pk", "region_code")
    )
    for pk, village in rows:
        yield village, pk, None, None, _("Ex-poor household without any income record")


def member_count_mismatch(region: str, year: int) -> Iterator[Row]:
    members = (
        Member.objects.filter(household=OuterRef("household_id")).order_by().values("household_id")
        .annotate(n=Count("pk")).values("n")[:1]
    )
    rows = (
        HouseholdYear.objects.filter(region_code__startswith=region, year=year)
        .annotate(registered=Coalesce(Subquery(members), Value(0)))
        .exclude(member_count=F("registered"))
        .order_by().values_list("household_id", "region_code", "member_count", "registered")
    )
    for household_id, village, counted, registered in rows:
        yield village, household_id, None, None, _(
            "%(year)d income record counts %(counted)d members; the registry lists %(registered)d"
        ) % {"year": year, "counted": counted, "registered": registered}


RULES: tuple[Rule, ...] = (
    Rule("MEMBER_NO_ID", gettext_lazy("Member without an ID number"), Severity.ERROR, member_without_id,
         national="4_01_003"),
    Rule("DUPLICATE_ID", gettext_lazy("Same ID number registered twice"), Severity.ERROR, duplicate_id,
         national="1_01_001/1_12_001"),
    Rule("IMPOSSIBLE_AGE", gettext_lazy("Impossible age (born in the future or over 120)"), Severity.ERROR,
         impossible_age),
    Rule("NO_HEAD", gettext_lazy("Household without a head"), Severity.ERROR, no_head, national="3_02_011/3_11_001"),
    Rule("SEVERAL_HEADS", gettext_lazy("Household with more than one head"), Severity.ERROR, several_heads,
         national="3_02_012/3_11_002"),
    Rule("NO_INCOME_YEAR", gettext_lazy("No income record for the year"), Severity.ERROR, no_income_for_year),
    Rule("NEGATIVE_INCOME", gettext_lazy("Negative per-capita net income"), Severity.WARNING, negative_income),
    Rule("DROPOUT_ADULT", gettext_lazy("Dropout flagged where nobody is of school age"), Severity.ERROR,
         dropout_without_child, national="4_11_008"),
    Rule("EX_POOR_NO_HISTORY", gettext_lazy("Ex-poor household without any income history"), Severity.ERROR,
         ex_poor_without_history),
    Rule("MEMBER_COUNT", gettext_lazy("Members counted in the income record differ from the registry"),
         Severity.WARNING, member_count_mismatch),
    *people.RULES,
    *policygaps.RULES,
    *casechecks.RULES,
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
CASE_PREFIX = "CASE_"


# The national checker's codes (national-layout.md §4) of the cases part's consistency checks that
# are the same check; a check not named here has none.
def rule_label(code: str) -> str:
    """The label of a registry rule or of a cases consistency check (``CASE_<code>``)."""
    if code in RULES_BY_CODE:
        return str(RULES_BY_CODE[code].label)
    if code.startswith(CASE_PREFIX):
        from shouwang.cases.consistency.rules import CHECKS_BY_CODE

        check = CHECKS_BY_CODE.get(code[len(CASE_PREFIX):])
        if check is not None:
            return str(check.label)
    return code


def rule_description(code: str) -> str:
    """What a rule counts where its label alone does not say ("" otherwise)."""
    rule = RULES_BY_CODE.get(code)
    return str(rule.description) if rule is not None and rule.description else ""


def national_code(code: str) -> str:
    """The national checker's code(s) of a rule or consistency check, "" where it has none."""
    if code in RULES_BY_CODE:
        return RULES_BY_CODE[code].national
    if code.startswith(CASE_PREFIX):
        from shouwang.cases.consistency.rules import CHECKS_BY_CODE

        check = CHECKS_BY_CODE.get(code[len(CASE_PREFIX):])
        return check.national if check is not None else ""
    return ""


def default_year(region: str = "") -> int:
    """The latest year with income records in the region, else last year."""
    return latest_data_year(region) or timezone.localdate().year - 1


# --- running ------------------------------------------------------------------------------------


def _case_rows(region: str) -> list[tuple[str, CaseRow, str]]:
    """Findings of the cases' consistency checks: (rule code, row, severity)."""
    from shouwang.cases.consistency.rules import find_problems
    from shouwang.cases.models import Case

    problems = find_problems(Case.objects.filter(region_code__startswith=region))
    return [
        (CASE_PREFIX + p.code, (p.region_code, None, None, p.case_id, str(p.detail)),
         p.severity if p.severity in Severity.values else Severity.ERROR)
        for p in problems
    ]


def run_checks(region: str, year: int | None = None, *, user=None, job: Job | None = None,
               progress: Callable[[int, int | None, str], None] | None = None) -> DataQualityRun:
    """Run every rule over ``region`` and replace that region's findings with what they found."""
    year = year or default_year(region)
    run = DataQualityRun.objects.create(region_code=region, year=year, job=job, started_by=user)
    steps = len(RULES) + 1
    # Plain tuples in FINDING_FIELDS order, inserted raw (``core.bulk``): a county's run can find
    # a hundred thousand records, and a model instance each would cost more than the rules.
    findings: list[tuple] = []
    counts: dict[str, int] = {}
    notes: list[str] = []
    for i, rule in enumerate(RULES):
        if progress:
            progress(i, steps, str(rule.label))
        if rule.notes is not None:
            notes.extend(rule.notes(region, year))
        n = 0
        for row in rule.function(region, year):
            village, household_id, member_id, case_id, detail = row[:5]
            national = row[5] if len(row) > 5 else rule.national
            findings.append((run.pk, village, rule.code, rule.severity, household_id, member_id, case_id,
                             detail[:500], national))
            n += 1
        counts[rule.code] = n
    if progress:
        progress(len(RULES), steps, _("Cases consistency"))
    case_rows = _case_rows(region)
    case_ids = {row[3] for _code, row, _sev in case_rows}
    households: dict[int, int] = {}
    if case_ids:
        from shouwang.cases.models import Case

        households = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "household_id"))
    for code, (village, _h, _m, case_id, detail), severity in case_rows:
        findings.append((run.pk, village, code, severity, households.get(case_id), None, case_id, detail[:500],
                         national_code(code)))
        counts[code] = counts.get(code, 0) + 1
    with transaction.atomic():
        DataQualityFinding.objects.filter(region_code__startswith=region).delete()
        insert_rows(DataQualityFinding, FINDING_FIELDS, findings, batch_size=BATCH)
        DataQualityRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), counts=counts, notes=notes)
    run.refresh_from_db()
    if progress:
        progress(steps, steps, "")
    return run


# --- reading ------------------------------------------------------------------------------------


def findings_for(user) -> QuerySet[DataQualityFinding]:
    return DataQualityFinding.objects.restrict(user, "view").select_related("household", "member")


def latest_run(user) -> DataQualityRun | None:
    """The latest finished run over the user's region, inside it, or over a region containing it
    (a run over every region included)."""
    finished = DataQualityRun.objects.filter(finished_at__isnull=False)
    runs = restrict(user, finished, "supervision.view_quality_runs")
    return runs.order_by("-finished_at").first()


def error_counts(period=None, *, region: str = "", severity: str | None = Severity.ERROR) -> dict[str, int]:
    """Findings per village code (errors only by default), for the scorecard.

    Findings are the current state: ``period`` is accepted for the scorecard's signature and,
    when it has an end date (``end``/``ends_on``/``end_date``), findings of runs finished after
    that date are left out so a past period is not judged by later data.
    """
    findings = DataQualityFinding.objects.filter(region_code__startswith=region)
    if severity:
        findings = findings.filter(severity=severity)
    end = None
    for name in ("end", "ends_on", "end_date"):
        end = getattr(period, name, None) if period is not None else None
        if end:
            break
    if isinstance(end, date):
        findings = findings.filter(run__finished_at__date__lte=end)
    rows = findings.order_by().values("region_code").annotate(n=Count("pk"))
    return {row["region_code"]: row["n"] for row in rows}
