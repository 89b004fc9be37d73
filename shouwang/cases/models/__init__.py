"""Cases: identification, assistance and risk elimination (each module below owns one concern)."""

from .assistance import AssistanceContact, Measure, MeasureStatus
from .cases import Case, CaseQuerySet, CaseSource, CaseStatus, Category, EliminationMode
from .catalogue import DISASTER_CODE, MeasureType, RiskType
from .notices import DayKind, Notice, NoticeKind, ProcedureSettings
from .procedures import (
    Attachment, AttachmentKind, Level, Procedure, ProcedureKind, ProcedureStatus, Step, StepCode, StepStatus,
    Transition,
)

__all__ = [
    "DISASTER_CODE", "AssistanceContact", "Attachment", "AttachmentKind", "Case", "CaseQuerySet", "CaseSource",
    "CaseStatus", "Category", "DayKind", "EliminationMode", "Level", "Measure", "MeasureStatus", "MeasureType",
    "Notice", "NoticeKind", "Procedure", "ProcedureKind", "ProcedureSettings", "ProcedureStatus", "RiskType", "Step",
    "StepCode", "StepStatus", "Transition",
]
