"""The level a user acts at, the refusal when an action is not theirs, and the context one action runs in.

Who may act is declared in :mod:`.permissions` (``cases.complete_step`` and the narrower actions):
only a user of a step's level whose region holds the case acts on it (a village step: a cadre of
that village; a township step: an officer of its township; a county step: a county officer or
administrator). Leaders, auditors and department officers never act. The helpers below change the
case, its procedure and steps inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.core.permissions import can, permission
from shouwang.monitoring.models import Signal

from .declarations import LEVEL_OF_ROLE
from .lateentry import recording_moment
from .models import Level, Procedure, ProcedureStatus, Step, StepStatus
from .refusals import NotYourLevel


def user_level(user) -> str | None:
    """The procedure level this user acts at, or None (leaders, auditors, department officers)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return LEVEL_OF_ROLE.get(getattr(user, "role", ""))


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def require_permitted(ctx: ActionContext, action: str, step: Step | None = None) -> None:
    """Raise ``NotYourLevel`` unless the user may ``action`` on the case (or on ``step``), naming
    the levels that may: the step's own, or those of the roles the action is declared for."""
    if can(ctx.user, action, step if step is not None else ctx.case):
        return
    if step is not None:
        levels = [step.level]
    else:
        roles = permission(action).roles
        levels = [lv for lv in Level.values if any(LEVEL_OF_ROLE.get(role) == lv for role in roles)]
    raise NotYourLevel(_("Only %(levels)s staff may do this; you act at the %(level)s level.") % {
        "levels": " / ".join(_level_label(lv).lower() for lv in levels),
        "level": _level_label(ctx.level).lower(),
    })


# --- the action context ---------------------------------------------------------------------

@dataclass
class ActionContext:
    case: Case
    user: Any
    level: str
    reason: str
    data: dict
    files: list[tuple[str, Any]]
    today: date
    procedure: Procedure | None = None
    steps: dict[str, Step] = field(default_factory=dict)
    # The day the action is recorded (``today`` unless a caller replays a past day) and the reason
    # given for a late entry (补录): a typed date earlier than ``recorded_on``.
    recorded_on: date | None = None
    late_reason: str = ""

    def __post_init__(self) -> None:
        if self.recorded_on is None:
            self.recorded_on = self.today

    @property
    def moment(self) -> datetime:
        """The time stamp of what this action records: now, or the replayed day at the current time."""
        return recording_moment(self.recorded_on or self.today)

    def load_procedure(self) -> None:
        self.procedure = open_procedure(self.case)
        self.steps = {s.code: s for s in self.procedure.steps.all()} if self.procedure else {}


def open_procedure(case: Case) -> Procedure | None:
    """The open procedure, from a prefetch when the caller made one."""
    return next((p for p in case.procedures.all() if p.status == ProcedureStatus.OPEN), None)


# --- changes inside the action's transaction ------------------------------------------------

def set_case(case: Case, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(case, name, value)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now(), **fields)
    if "status" in fields and fields["status"] not in CaseStatus.open():
        # The case ends (risk eliminated, not included): the risk signals it was holding end with it.
        Signal.objects.filter(case_id=case.pk, open=True).update(open=False, updated_at=timezone.now())


def close_procedure(ctx: ActionContext, status: str, step_status_for_open: str | None = None,
                    acting_step_status: str | None = None) -> None:
    """Close the open procedure; open and waiting steps become skipped (or rejected for the actor's)."""
    now = ctx.moment
    Procedure.objects.filter(pk=ctx.procedure.pk).update(status=status, closed_at=now)
    mine = [s.pk for s in open_steps_of_level(ctx)] if acting_step_status else []
    if mine:
        Step.objects.filter(pk__in=mine).update(status=acting_step_status, done_at=now, done_by=ctx.user,
                                                note=ctx.reason)
    Step.objects.filter(procedure=ctx.procedure, status__in=(StepStatus.OPEN, StepStatus.WAITING)).exclude(
        pk__in=mine).update(status=step_status_for_open or StepStatus.SKIPPED)


def open_steps_of_level(ctx: ActionContext) -> list[Step]:
    return [s for s in ctx.steps.values() if s.status == StepStatus.OPEN and s.level == ctx.level]
