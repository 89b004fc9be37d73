"""Test data builders for cases: a case in any state at once, or walked through the workflow.

``make_case`` writes rows directly (no permission checks, no category check) so a test can
start from the state it is about; ``walk_identification`` and ``walk_elimination`` go through
``engine.perform`` as the three levels would, so what they build is what users can build.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouwang.cases.models import (
    AssistanceContact,
    Case,
    CaseSource,
    CaseStatus,
    Category,
    EliminationMode,
    Measure,
    MeasureStatus,
    MeasureType,
    Procedure,
    ProcedureKind,
    ProcedureStatus,
    RiskType,
    Step,
    StepStatus,
)
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.deadlines import procedure_due_date, start_procedure
from shouwang.cases.procedure.declarations import DECLARATIONS
from shouwang.registry.tests.factories import make_household

VILLAGE_A1 = "433122102201"
PDF = b"%PDF-1.4\n% synthetic test file\n"


def pdf(name: str = "authorisation.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _finished_procedure(case: Case, kind: str, started_on: date, closed_on: date, *, status: str, mode: str = "",
                        step_status: str = StepStatus.DONE) -> Procedure:
    """A procedure already over (steps bulk-created in their final state)."""
    procedure = Procedure.objects.create(
        case=case, kind=kind, elimination_mode=mode, started_on=started_on,
        due_date=procedure_due_date(case, kind, started_on), status=status,
        closed_at=timezone.make_aware(datetime.combine(closed_on, time.min)),
    )
    Step.objects.bulk_create([
        Step(procedure=procedure, region_code=case.region_code, code=spec.code, level=spec.level, order=i,
             status=step_status, opened_on=started_on, due_date=procedure.due_date)
        for i, spec in enumerate(DECLARATIONS[kind])
    ])
    return procedure


def make_case(household=None, *, village: str = VILLAGE_A1, status: str = CaseStatus.IDENTIFYING,
              category: str = Category.EDGE, risk_codes: Iterable[str] = ("YB",), first_clue_date: date | None = None,
              identified_on: date | None = None, eliminated_on: date | None = None,
              elimination_mode: str = EliminationMode.NATURAL, contact: bool | None = None, today: date | None = None,
              source: str = CaseSource.DIRECT, opened_by=None, **fields: Any) -> Case:
    """A case in ``status`` with the procedures that status implies.

    IDENTIFYING: identification open, verify and compare to do. MONITORED: identification done,
    identified ``identified_on`` (default 14 days after the first clue) with a current
    contact. ELIMINATING: monitored + an elimination procedure open (``elimination_mode``).
    ELIMINATED: both procedures done. REJECTED: identification rejected.
    """
    today = today or timezone.localdate()
    household = household or make_household(village)
    first_clue_date = first_clue_date or (today - timedelta(days=3) if status == CaseStatus.IDENTIFYING
                                          else today - timedelta(days=300))
    case = Case(household=household, category=category, source=source, first_clue_date=first_clue_date,
                status=status, opened_by=opened_by, **fields)
    monitored_once = status in (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED)
    if monitored_once:
        case.identified_on = identified_on or first_clue_date + timedelta(days=14)
    if status == CaseStatus.ELIMINATED:
        case.eliminated_on = eliminated_on or today - timedelta(days=1)
        case.elimination_mode = elimination_mode
    case.save()
    case.risk_types.set(RiskType.objects.filter(code__in=list(risk_codes)))

    if status == CaseStatus.IDENTIFYING:
        start_procedure(case, ProcedureKind.IDENTIFICATION, today=today)
    elif status == CaseStatus.REJECTED:
        _finished_procedure(case, ProcedureKind.IDENTIFICATION, first_clue_date, first_clue_date + timedelta(days=2),
                            status=ProcedureStatus.REJECTED, step_status=StepStatus.SKIPPED)
    if monitored_once:
        _finished_procedure(case, ProcedureKind.IDENTIFICATION, first_clue_date, case.identified_on,
                            status=ProcedureStatus.DONE)
        if contact is None or contact:
            make_contact(case, starts_on=case.identified_on)
    if status == CaseStatus.ELIMINATING:
        start_procedure(case, ProcedureKind.ELIMINATION, today=today, mode=elimination_mode)
    elif status == CaseStatus.ELIMINATED:
        _finished_procedure(case, ProcedureKind.ELIMINATION, case.eliminated_on - timedelta(days=12),
                            case.eliminated_on, status=ProcedureStatus.DONE, mode=elimination_mode)
    return case


def make_contact(case: Case, *, name: str = "帮扶干部", phone: str = "13900001234", starts_on: date | None = None,
                 ends_on: date | None = None) -> AssistanceContact:
    contact = AssistanceContact(case=case, name=name, unit="县农业农村局", position="干部",
                                starts_on=starts_on, ends_on=ends_on)
    contact.set_phone(phone)
    contact.save()
    return contact


def make_measure(case: Case, code: str = "industry", *, status: str = MeasureStatus.ACTIVE, member=None,
                 amount: str = "2000", **fields: Any) -> Measure:
    measure = Measure(case=case, measure_type=MeasureType.objects.get(code=code), member=member, status=status,
                      amount=Decimal(amount), responsible_unit="县农业农村局", responsible_person="张三", **fields)
    measure.save()
    return measure


# A walk needs a week: the appraisal is done WALK_DAYS before ``today``, the notice runs from the
# next day until the day before ``today`` (six days), and the steps after it are done ``today``.
WALK_DAYS = 7


def walk_identification(case: Case, users_by_level: dict[str, Any], *, today: date | None = None,
                        until: str | None = None) -> Case:
    """Walk an open identification through ``engine.perform`` as the three levels would, with honest dates.

    ``users_by_level`` maps "village", "township", "county" to users. Stops before the step
    ``until`` (a step code) when given; otherwise the case ends MONITORED with a contact.
    Verification, comparison and appraisal are recorded ``WALK_DAYS`` before ``today``, the
    notice from the next day until the day before ``today``, the rest on ``today``: nothing is a
    late entry. A case whose first clue is later than the walk's first day gets its clue moved back.
    """
    today = today or timezone.localdate()
    begin = today - timedelta(days=WALK_DAYS)
    if case.first_clue_date > begin:
        Case.objects.filter(pk=case.pk).update(first_clue_date=begin)
        case.first_clue_date = begin
    village, township, county = users_by_level["village"], users_by_level["township"], users_by_level["county"]

    def step(code: str, user, on: date = today, **kw) -> bool:
        if code == until:
            return False
        engine.perform(case, "complete_step", user, data={"step": code}, recorded_on=on, **kw)
        return True

    if not step("verify", village, begin, files={"authorisation": pdf()}):
        return case
    if not step("compare", township, begin):
        return case
    if not step("appraisal", village, begin, reason="Villager representatives agreed (minutes)."):
        return case
    if until == "notice":
        return case
    posted = begin + timedelta(days=1)
    create_notice(village, case.region_code, [case], starts_on=posted, ends_on=today - timedelta(days=1),
                  contact="村委会 0743-0000000", recorded_on=posted)
    step("notice", village)
    if until == "township":
        return case
    engine.perform(case, "approve_township", township, recorded_on=today)
    if until == "county":
        return case
    engine.perform(case, "approve_county", county, recorded_on=today)
    if not step("announce", township):
        return case
    if until == "file":
        return case
    if not case.contacts.current(today).exists():
        engine.perform(case, "add_contact", township, data={"name": "帮扶干部", "phone": "13900001234"},
                       recorded_on=today)
    step("file", township)
    return case


def walk_elimination(case: Case, users_by_level: dict[str, Any], *, mode: str = EliminationMode.NATURAL,
                     today: date | None = None, until: str | None = None) -> Case:
    """Start and walk an elimination with honest dates (as ``walk_identification``); the case ends
    ELIMINATED (or stops before ``until``). The elimination starts ``WALK_DAYS`` before ``today``."""
    today = today or timezone.localdate()
    begin = today - timedelta(days=WALK_DAYS)
    village, township, county = users_by_level["village"], users_by_level["township"], users_by_level["county"]
    if case.status == CaseStatus.MONITORED:
        engine.perform(case, "start_elimination", village, data={"mode": mode}, recorded_on=begin)
    for code, user in (("verify", village), ("appraisal", village)):
        if code == until:
            return case
        engine.perform(case, "complete_step", user, data={"step": code}, reason="Checked at home.", recorded_on=begin)
    if until == "notice":
        return case
    create_notice(village, case.region_code, [case], kind="elimination", starts_on=begin + timedelta(days=1),
                  ends_on=today - timedelta(days=1), recorded_on=begin + timedelta(days=1))
    engine.perform(case, "complete_step", village, data={"step": "notice"}, recorded_on=today)
    if until == "township":
        return case
    engine.perform(case, "approve_township", township, recorded_on=today)
    if until == "county":
        return case
    engine.perform(case, "approve_county", county, recorded_on=today)
    for code in ("announce", "file"):
        if code == until:
            return case
        engine.perform(case, "complete_step", township, data={"step": code}, recorded_on=today)
    return case
