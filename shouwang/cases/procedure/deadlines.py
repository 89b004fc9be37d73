"""Deadlines of the procedures: starting a procedure and opening its steps, each with its due date.

Identification is due ``total_days`` (calendar or working, ``ProcedureSettings`` of the longest
matching region prefix) after the first clue; elimination the same number of days after it
started. Each step, when it opens, gets its own due date (its share of days, ``StepSpec.days``
or ``step_days``), never later than the procedure's.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from shouwang.cases.casefiles.models import Case
from shouwang.core.calendar import add_days

from .declarations import DECLARATIONS, StepSpec
from .models import Procedure, ProcedureKind, ProcedureSettings, Step, StepStatus


def today_date() -> date:
    return timezone.localdate()


def procedure_due_date(case: Case, kind: str, start: date, settings: ProcedureSettings | None = None) -> date:
    """Identification runs from the first clue; elimination from the day it started."""
    settings = settings or ProcedureSettings.for_region(case.region_code)
    origin = case.first_clue_date if kind == ProcedureKind.IDENTIFICATION else start
    return add_days(origin, settings.total_days, settings.day_kind)


def _step_days(spec: StepSpec, settings: ProcedureSettings) -> int:
    try:
        return int((settings.step_days or {}).get(spec.code, spec.days))
    except (TypeError, ValueError):
        return spec.days


def start_procedure(case: Case, kind: str, *, today: date, mode: str = "") -> Procedure:
    """Create the procedure's steps and open those with nothing before them."""
    settings = ProcedureSettings.for_region(case.region_code)
    procedure = Procedure.objects.create(
        case=case, kind=kind, elimination_mode=mode, started_on=today,
        due_date=procedure_due_date(case, kind, today, settings),
    )
    Step.objects.bulk_create([
        Step(procedure=procedure, region_code=case.region_code, code=spec.code, level=spec.level, order=i)
        for i, spec in enumerate(DECLARATIONS[kind])
    ])
    open_ready_steps(procedure, today, settings)
    return procedure


def open_ready_steps(procedure: Procedure, today: date, settings: ProcedureSettings | None = None) -> list[Step]:
    """Open every waiting step whose predecessors are all done; each gets its own due date."""
    settings = settings or ProcedureSettings.for_region(procedure.region_code)
    steps = {s.code: s for s in procedure.steps.all()}
    finished = {code for code, s in steps.items() if s.status in (StepStatus.DONE, StepStatus.SKIPPED)}
    opened = []
    for spec in DECLARATIONS[procedure.kind]:
        step = steps[spec.code]
        if step.status == StepStatus.WAITING and all(code in finished for code in spec.after):
            due = min(add_days(today, _step_days(spec, settings), settings.day_kind), procedure.due_date)
            due = max(due, today)  # a step opened after the procedure's due date is due at once
            Step.objects.filter(pk=step.pk).update(status=StepStatus.OPEN, opened_on=today, due_date=due)
            opened.append(step)
    return opened
