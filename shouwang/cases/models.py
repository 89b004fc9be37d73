"""Cases: identification, assistance and risk elimination (each feature package owns its models).

Only re-exports, so that Django finds every model of the ``cases`` app under one module.
"""

from .assistance.models import AssistanceContact, Measure, MeasureStatus
from .casefiles.models import Case, CaseQuerySet, CaseSource, CaseStatus, Category, EliminationMode
from .catalogue.models import DISASTER_CODE, MeasureType, RiskType
from .notices.models import Notice, NoticeKind
from .procedure.models import (
    Attachment,
    AttachmentKind,
    DayKind,
    Level,
    Procedure,
    ProcedureKind,
    ProcedureSettings,
    ProcedureStatus,
    Step,
    StepCode,
    StepStatus,
    Transition,
)

__all__ = [
    "DISASTER_CODE", "AssistanceContact", "Attachment", "AttachmentKind", "Case", "CaseQuerySet", "CaseSource",
    "CaseStatus", "Category", "DayKind", "EliminationMode", "Level", "Measure", "MeasureStatus", "MeasureType",
    "Notice", "NoticeKind", "Procedure", "ProcedureKind", "ProcedureSettings", "ProcedureStatus", "RiskType", "Step",
    "StepCode", "StepStatus", "Transition",
]
