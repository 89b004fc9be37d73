"""Monitoring and early warning: the line, the screening rules, feed signals and warnings.

Only re-exports, so that Django finds every model of the app (label ``monitoring``); each model
lives in its feature package.
"""

from .feeds.models import FeedBatch, FeedColumnAlias, FeedLead, FeedSignal, FeedType
from .fieldwork.models import Campaign, CampaignStatus, CampaignTask, TaskStatus, Visit
from .lines.models import MonitoringLine, PopulationTerm
from .rules.models import (
    HouseholdMemberFacts,
    HouseholdSignalFacts,
    IdentificationStandard,
    RiskType,
    Rule,
    RuleVersion,
    Severity,
)
from .selfreport.models import SelfReport, SelfReportStatus
from .warnings.models import Signal, Warning, WarningChannel, WarningStatus, WarningTransition

__all__ = [
    "FeedSignal", "MonitoringLine", "RiskType", "Rule", "RuleVersion", "Severity", "Signal", "Warning",
    "WarningChannel",
    "WarningStatus", "WarningTransition",
]
__all__ += ["Campaign", "CampaignStatus", "CampaignTask", "SelfReport", "SelfReportStatus", "TaskStatus", "Visit"]
__all__ += ["FeedBatch", "FeedColumnAlias", "FeedLead", "FeedType"]
__all__ += ["HouseholdMemberFacts", "HouseholdSignalFacts"]
__all__ += ["IdentificationStandard", "PopulationTerm"]
