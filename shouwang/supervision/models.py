"""Supervision models, re-exported from the feature packages so that Django finds them (app label unchanged)."""

from .assessment.models import ScorecardLevel, ScorecardRow, ScorecardSnapshot, ScorecardWeights
from .dashboards.models import DashboardRefresh, Figure
from .dispatch.models import (
    DispatchKind,
    DispatchRecipient,
    DispatchTask,
    RecipientStatus,
    recipient_overdue_condition,
)
from .quality.models import DataQualityFinding, DataQualityRun, Severity
from .spotchecks.models import DISCREPANCY_FIELDS, HouseholdClass, SampleResult, SpotCheck, SpotCheckSample
from .takeover.models import NationalRecord, NationalSynonym, ReconciliationItem

__all__ = [
    "DISCREPANCY_FIELDS",
    "DashboardRefresh",
    "DataQualityFinding",
    "DataQualityRun",
    "DispatchKind",
    "DispatchRecipient",
    "DispatchTask",
    "Figure",
    "HouseholdClass",
    "NationalRecord",
    "NationalSynonym",
    "RecipientStatus",
    "ReconciliationItem",
    "SampleResult",
    "ScorecardLevel",
    "ScorecardRow",
    "ScorecardSnapshot",
    "ScorecardWeights",
    "Severity",
    "SpotCheck",
    "SpotCheckSample",
    "recipient_overdue_condition",
]
