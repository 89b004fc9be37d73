"""Consistency rules over cases (policy.md §4.1, §4.3, §6.2): what a case should have and lacks.

Each check is one rule, run over a ``Case`` queryset (a village's, a township's, a county's)
and returning exactly the offending cases with a detail. A check is a few queries whatever
the number of cases: conditions are ``Exists``/``Subquery`` expressions the database
evaluates, and the one rule needing the monitoring line reads the lines once. The data
quality job of the supervision part runs ``find_problems`` over a county; the case page runs
``problems_for`` on one case.

Which cases a rule looks at follows what the rule is about: rules on assistance (measures,
contacts, the safety-net flag) look at identified cases still under assistance (monitored or
in elimination), since measures follow approval; rules on elimination look at eliminated
cases; a risk type that contradicts the household (unstable employment without labour) is
wrong on any case not rejected. A measure "stopped" counts as no measure; for the
development-measure rule of §6.2 ("已实施"), only measures in place or completed count.
Late entries (补录: a step, notice or measure dated before the day it was recorded, accepted with
a reason) are listed on any case, as a warning for review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.cases.assistance.models import AssistanceContact, Measure, MeasureStatus
from shouwang.cases.casefiles.models import Case, CaseStatus, EliminationMode
from shouwang.cases.notices.models import Notice
from shouwang.cases.procedure.categories import below_line, line_label, yuan
from shouwang.cases.procedure.models import Step, StepCode
from shouwang.monitoring.lines.models import LineBook
from shouwang.monitoring.lines.services import no_line_message
from shouwang.registry.models import HouseholdYear, Labour, Member

UNDER_ASSISTANCE = (CaseStatus.MONITORED, CaseStatus.ELIMINATING)
IMPLEMENTED = (MeasureStatus.ACTIVE, MeasureStatus.DONE)

ILLNESS, SCHOOLING, UNSTABLE_EMPLOYMENT = "YB", "YX", "YWGJYBW"
ILLNESS_MEASURES = ("health", "social_assistance", "social_protection")
SCHOOLING_MEASURES = ("compulsory_education", "other_education", "social_assistance")


class Severity(models.TextChoices):
    ERROR = "error", gettext_lazy("Error")
    WARNING = "warning", gettext_lazy("Warning")


CheckFunction = Callable[..., Iterable[tuple[int, str]]]


@dataclass(frozen=True)
class Check:
    code: str
    label: Promise
    severity: str
    function: CheckFunction  # (cases, today=None) -> [(case_id, detail)]
    national: str = ""  # the national checker's rule code(s) of the same check (national-layout.md §4)


@dataclass(frozen=True)
class Problem:
    case_id: int
    region_code: str
    code: str
    label: str
    detail: str
    severity: str = Severity.ERROR


# --- building blocks (expressions the database evaluates per case) ---------------------------

def _labour_members():
    able = (
        Member.objects.filter(household_id=OuterRef("household_id"), labour__in=Labour.able())
        .order_by().values("household_id").annotate(n=Count("id")).values("n")[:1]
    )
    return Coalesce(Subquery(able, output_field=models.IntegerField()), Value(0))


def _with_labour(cases: QuerySet) -> QuerySet:
    return cases.order_by().annotate(labour_members=_labour_members())


HAS_LABOUR = Q(household__no_labour=False, labour_members__gt=0)


def _has_risk(code: str) -> Exists:
    through = Case.risk_types.through
    return Exists(through.objects.filter(case_id=OuterRef("pk"), risktype__code=code))


def _has_measure(*, codes: Iterable[str] | None = None, development: bool = False,
                 statuses: Iterable[str] | None = None) -> Exists:
    measures = Measure.objects.filter(case_id=OuterRef("pk"))
    if codes is not None:
        measures = measures.filter(measure_type__code__in=list(codes))
    if development:
        measures = measures.filter(measure_type__is_development=True)
    if statuses is not None:
        measures = measures.filter(status__in=list(statuses))
    else:
        measures = measures.exclude(status=MeasureStatus.STOPPED)
    return Exists(measures)


# --- the rules --------------------------------------------------------------------------------

def labour_without_development(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§4.3: a household with labour capacity gets at least one industry or employment measure."""
    rows = (
        _with_labour(cases).filter(status__in=UNDER_ASSISTANCE).filter(HAS_LABOUR)
        .exclude(_has_measure(development=True)).values_list("pk", "labour_members")
    )
    return [(pk, _("%(count)s member(s) with labour capacity, but no industry or employment measure.")
             % {"count": n}) for pk, n in rows]


def illness_without_health(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§4.1 checker rule: 因病 needs a health, social-assistance or comprehensive-protection measure."""
    rows = (
        cases.order_by().filter(_has_risk(ILLNESS), status__in=UNDER_ASSISTANCE)
        .exclude(_has_measure(codes=ILLNESS_MEASURES)).values_list("pk", flat=True)
    )
    return [(pk, _("Illness risk, but no health, social-assistance or comprehensive-protection measure."))
            for pk in rows]


def schooling_without_education(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§4.1 checker rule: 因学 needs a compulsory-education, other-education or social-assistance measure."""
    rows = (
        cases.order_by().filter(_has_risk(SCHOOLING), status__in=UNDER_ASSISTANCE)
        .exclude(_has_measure(codes=SCHOOLING_MEASURES)).values_list("pk", flat=True)
    )
    return [(pk, _("Schooling risk, but no compulsory-education, other-education or social-assistance measure."))
            for pk in rows]


def unstable_employment_without_labour(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§4.1 checker rule: 因务工就业不稳 where no member can work is a contradiction."""
    rows = (
        _with_labour(cases).exclude(status=CaseStatus.REJECTED).filter(_has_risk(UNSTABLE_EMPLOYMENT))
        .exclude(HAS_LABOUR).values_list("pk", flat=True)
    )
    return [(pk, _("Unstable-employment risk, but no member of the household has labour capacity."))
            for pk in rows]


def without_current_contact(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """An identified case must have a current assistance contact (帮扶联系人)."""
    today = today or timezone.localdate()
    current = AssistanceContact.objects.filter(case_id=OuterRef("pk")).current(today)
    last_end = AssistanceContact.objects.filter(case_id=OuterRef("pk")).order_by().values("case_id").annotate(
        m=Max("ends_on")).values("m")[:1]
    rows = (
        cases.order_by().filter(status__in=UNDER_ASSISTANCE).exclude(Exists(current))
        .annotate(last_end=Subquery(last_end, output_field=models.DateField())).values_list("pk", "last_end")
    )
    result = []
    for pk, last in rows:
        if last is None:
            result.append((pk, _("No assistance contact is recorded.")))
        else:
            result.append((pk, _("No current assistance contact: the last one's term ended on %(date)s.")
                           % {"date": last.isoformat()}))
    return result


def _latest_year(field: str):
    return Subquery(
        HouseholdYear.objects.filter(household_id=OuterRef("household_id")).order_by("-year").values(field)[:1]
    )


def eliminated_with_dropout(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§6.2 checker rule: an eliminated household must not have a dropout child (latest record)."""
    rows = (
        cases.order_by().filter(status=CaseStatus.ELIMINATED)
        .annotate(latest_dropout=_latest_year("dropout"), latest_year=_latest_year("year"))
        .filter(latest_dropout=True).values_list("pk", "latest_year")
    )
    return [(pk, _("Risk eliminated, but the %(year)s record shows a compulsory-education dropout.")
             % {"year": year}) for pk, year in rows]


def no_labour_without_safety_net_flag(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§6.2 checker rule: a whole household without labour is flagged 整户无劳动能力兜底保障."""
    rows = (
        _with_labour(cases).filter(status__in=UNDER_ASSISTANCE, no_labour_safety_net=False)
        .exclude(HAS_LABOUR).values_list("pk", flat=True)
    )
    return [(pk, _("The whole household has no labour capacity, but the case is not flagged as under "
                   "safety-net protection.")) for pk in rows]


def assistance_elimination_below_line(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§6.2 checker rule: 帮扶消除 with per-capita income below the line.

    The income compared is the latest record up to the year of elimination (its per-capita net
    income: screening's ``per_capita_income`` fact), against the line in force that year
    (``LineBook.in_force``), "below" as INCOME_BELOW_LINE says it. A year without a line is a
    finding too: the income could not be checked, and the message says where to set the line.
    Three queries: the cases, their households' records, the lines.
    """
    today = today or timezone.localdate()
    eliminated = cases.order_by().filter(status=CaseStatus.ELIMINATED, elimination_mode=EliminationMode.ASSISTANCE)
    rows = list(eliminated.values_list("pk", "region_code", "household_id", "eliminated_on"))
    if not rows:
        return []
    records: dict[int, list[tuple[int, object]]] = {}
    years = (
        HouseholdYear.objects.filter(household_id__in=eliminated.values("household_id"))
        .order_by("household_id", "-year").values_list("household_id", "year", "per_capita_net_income")
    )
    for household_id, year, income in years:
        records.setdefault(household_id, []).append((year, income))
    lines = LineBook.load()
    result = []
    for pk, region_code, household_id, eliminated_on in rows:
        year = (eliminated_on or today).year
        record = next(((y, inc) for y, inc in records.get(household_id, []) if y <= year and inc is not None), None)
        line = lines.in_force(region_code, year)
        if record is not None and line is None:
            result.append((pk, _("Eliminated through assistance in %(year)s; the income could not be checked.")
                           % {"year": year} + " " + no_line_message(year)))
            continue
        if record is None or line is None or not below_line(record[1], line.amount):
            continue
        result.append((pk, _(
            "Eliminated through assistance, but per-capita net income in %(year)s is %(income)s yuan, below the "
            "line of %(line)s."
        ) % {"year": record[0], "income": yuan(record[1]), "line": line_label(line)}))
    return result


def assistance_elimination_without_development(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """§6.2 checker rule: 帮扶消除 of a household with labour without a development measure in place."""
    rows = (
        _with_labour(cases).filter(status=CaseStatus.ELIMINATED, elimination_mode=EliminationMode.ASSISTANCE)
        .filter(HAS_LABOUR).exclude(_has_measure(development=True, statuses=IMPLEMENTED))
        .values_list("pk", flat=True)
    )
    return [(pk, _("Eliminated through assistance, but no industry or employment measure was put in place for a "
                   "household with labour capacity.")) for pk in rows]


def late_entries(cases: QuerySet, today: date | None = None) -> list[tuple[int, str]]:
    """Late entries (补录): a step, notice or measure dated earlier than the day it was recorded, with the reason.

    Each was accepted with its reason; the list is what a supervisor reviews. Three queries.
    """
    ids = cases.order_by().values("pk")
    found: dict[int, list[str]] = {}

    def add(case_id: int, what: str, on: date, recorded: date, reason: str) -> None:
        found.setdefault(case_id, []).append(_("%(what)s dated %(date)s, recorded on %(recorded)s: %(reason)s") % {
            "what": what, "date": on.isoformat(), "recorded": recorded.isoformat(), "reason": reason or "—"})

    steps = (
        Step.objects.filter(procedure__case_id__in=ids, done_on__lt=F("recorded_on"))
        .order_by("procedure__case_id", "done_on", "order")
        .values_list("procedure__case_id", "code", "done_on", "recorded_on", "late_reason")
    )
    for case_id, code, on, recorded, reason in steps:
        add(case_id, str(StepCode(code).label) if code in StepCode.values else code, on, recorded, reason)
    listed = (
        Notice.cases.through.objects.filter(case_id__in=ids, notice__starts_on__lt=F("notice__recorded_on"))
        .order_by("case_id", "notice__starts_on")
        .values_list("case_id", "notice__starts_on", "notice__recorded_on", "notice__late_reason")
    )
    for case_id, on, recorded, reason in listed:
        add(case_id, _("Public notice"), on, recorded, reason)
    measures = (
        Measure.objects.filter(case_id__in=ids, starts_on__lt=F("recorded_on")).select_related("measure_type")
        .order_by("case_id", "starts_on", "id").only("case_id", "measure_type", "starts_on", "recorded_on",
                                                      "late_reason")
    )
    for m in measures:
        add(m.case_id, _("Measure “%(name)s”") % {"name": m.measure_type.name}, m.starts_on, m.recorded_on,
            m.late_reason)
    return [(pk, "; ".join(items)) for pk, items in sorted(found.items())]


CHECKS: tuple[Check, ...] = (
    Check("labour_without_development", gettext_lazy("Labour capacity without an industry or employment measure"),
          Severity.WARNING, labour_without_development, national="5_11_030/5_12_007/5_11_032"),
    Check("illness_without_health", gettext_lazy("Illness risk without a health or protection measure"),
          Severity.ERROR, illness_without_health, national="5_18_001"),
    Check("schooling_without_education", gettext_lazy("Schooling risk without an education measure"),
          Severity.ERROR, schooling_without_education, national="5_18_002"),
    Check("unstable_employment_without_labour", gettext_lazy("Unstable employment where no member can work"),
          Severity.ERROR, unstable_employment_without_labour, national="2_11_006/5_15_013"),
    Check("without_current_contact", gettext_lazy("Monitored household without a current assistance contact"),
          Severity.ERROR, without_current_contact),
    Check("eliminated_with_dropout", gettext_lazy("Risk eliminated with a compulsory-education dropout"),
          Severity.ERROR, eliminated_with_dropout, national="1_11_005"),
    Check("no_labour_without_safety_net_flag",
          gettext_lazy("Whole household without labour not flagged for the safety net"),
          Severity.ERROR, no_labour_without_safety_net_flag, national="5_11_033"),
    Check("assistance_elimination_below_line",
          gettext_lazy("Eliminated through assistance with income below the line"),
          Severity.ERROR, assistance_elimination_below_line, national="4_11_010"),
    Check("assistance_elimination_without_development",
          gettext_lazy("Eliminated through assistance without a development measure"),
          Severity.ERROR, assistance_elimination_without_development),
    Check("late_entry", gettext_lazy("Late entry: a date earlier than the day it was recorded"),
          Severity.WARNING, late_entries),
)

CHECKS_BY_CODE = {check.code: check for check in CHECKS}


def find_problems(cases: QuerySet, today: date | None = None, codes: Iterable[str] | None = None) -> list[Problem]:
    """Every problem of the given cases, check by check (optionally only the checks named)."""
    checks = [CHECKS_BY_CODE[code] for code in codes] if codes is not None else list(CHECKS)
    found: list[tuple[Check, int, str]] = []
    for check in checks:
        found.extend((check, pk, detail) for pk, detail in check.function(cases, today))
    if not found:
        return []
    ids = {pk for _check, pk, _detail in found}
    regions = dict(Case.objects.filter(pk__in=ids).values_list("pk", "region_code")) if len(ids) < 5000 else dict(
        cases.order_by().values_list("pk", "region_code"))
    return [
        Problem(case_id=pk, region_code=regions.get(pk, ""), code=check.code, label=str(check.label),
                detail=str(detail), severity=check.severity)
        for check, pk, detail in found
    ]


def problems_for(case: Case, today: date | None = None) -> list[Problem]:
    """The problems of one case (its page shows them)."""
    return find_problems(Case.objects.filter(pk=case.pk), today)
