"""The identification and risk-elimination procedures (policy.md §6.1, §6.2), declared once.

Each procedure is an ordered list of steps (``DECLARATIONS``): a step opens when the steps it
comes after are done, and only a user of its level acts on it (``LEVEL_OF_ROLE``). The actions a
user may take on a case are named here (``ACTION_LABELS``); the engine
(``shouwang.cases.procedure.engine``) decides when each applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from shouwang.accounts.models import Role

from .models import Level, ProcedureKind, StepCode

MAX_REASON = 2000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class StepSpec:
    code: str
    level: str
    after: tuple[str, ...]
    days: int  # default share of the procedure's time; ProcedureSettings.step_days overrides


V, T, C = Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY
S = StepCode

DECLARATIONS: dict[str, tuple[StepSpec, ...]] = {
    ProcedureKind.IDENTIFICATION: (
        StepSpec(S.VERIFY, V, (), 3),
        StepSpec(S.COMPARE, T, (), 5),  # information comparison runs in parallel with verification
        StepSpec(S.APPRAISAL, V, (S.VERIFY, S.COMPARE), 2),
        StepSpec(S.NOTICE, V, (S.APPRAISAL,), 6),
        StepSpec(S.TOWNSHIP, T, (S.NOTICE,), 2),
        StepSpec(S.COUNTY, C, (S.TOWNSHIP,), 2),
        StepSpec(S.ANNOUNCE, T, (S.COUNTY,), 1),
        StepSpec(S.FILE, T, (S.ANNOUNCE,), 1),
    ),
    ProcedureKind.ELIMINATION: (
        StepSpec(S.VERIFY, V, (), 3),
        StepSpec(S.APPRAISAL, V, (S.VERIFY,), 2),
        StepSpec(S.NOTICE, V, (S.APPRAISAL,), 6),
        StepSpec(S.TOWNSHIP, T, (S.NOTICE,), 2),
        StepSpec(S.COUNTY, C, (S.TOWNSHIP,), 2),
        StepSpec(S.ANNOUNCE, T, (S.COUNTY,), 1),
        StepSpec(S.FILE, T, (S.ANNOUNCE,), 1),
    ),
}
del V, T, C, S

# Steps an objection during the notice sends back (they run again, in order).
REOPENED_BY_OBJECTION = (StepCode.VERIFY, StepCode.APPRAISAL, StepCode.NOTICE)

LEVEL_OF_ROLE: dict[str, str] = {
    Role.VILLAGE: Level.VILLAGE, Role.TOWNSHIP: Level.TOWNSHIP, Role.COUNTY: Level.COUNTY, Role.ADMIN: Level.COUNTY,
}

# The approval steps are done by their own actions (not "complete_step"): action → its step.
APPROVAL_STEP: dict[str, str] = {"approve_township": StepCode.TOWNSHIP, "approve_county": StepCode.COUNTY}

ACTION_LABELS: dict[str, Promise] = {
    "complete_step": gettext_lazy("Complete step"),
    "approve_township": gettext_lazy("Approve (township review)"),
    "approve_county": gettext_lazy("Approve (county)"),
    "reject": gettext_lazy("Reject"),
    "object": gettext_lazy("Record an objection to the notice"),
    "start_elimination": gettext_lazy("Start risk elimination"),
    "rollback_elimination": gettext_lazy("Roll back the risk elimination"),
    "reidentify": gettext_lazy("Identify again for a new risk"),
    "add_measure": gettext_lazy("Add a measure"),
    "add_contact": gettext_lazy("Add an assistance contact"),
    "attach": gettext_lazy("Attach a file"),
    "withdraw": gettext_lazy("Withdraw"),
}
ACTION_NAMES = tuple(ACTION_LABELS)


@dataclass(frozen=True)
class ActionSpec:
    """An action a user may take on a case now: what a page shows as a button."""

    name: str
    label: str
    needs_reason: bool = False
    step_code: str = ""
    data: dict = field(default_factory=dict)
    blocked: str = ""  # with ``explain=True``: why performing it now would still be refused


def spec_of(kind: str, code: str) -> StepSpec | None:
    return next((s for s in DECLARATIONS[kind] if s.code == code), None)
