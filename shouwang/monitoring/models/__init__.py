"""Monitoring and early warning: the line, the screening rules, feed signals and warnings."""

from .fieldwork import Campaign, CampaignStatus, CampaignTask, SelfReport, SelfReportStatus, TaskStatus, Visit
from .feeds import FeedBatch, FeedColumnAlias, FeedLead, FeedSignal, FeedType
from .lines import MonitoringLine
from .rules import RiskType, Rule, RuleVersion, Severity
from .screening import HouseholdMemberFacts, HouseholdSignalFacts
from .warnings import Warning, WarningChannel, WarningStatus, WarningTransition

__all__ = [
    "FeedSignal", "MonitoringLine", "RiskType", "Rule", "RuleVersion", "Severity", "Warning", "WarningChannel",
    "WarningStatus", "WarningTransition",
]
__all__ += ["Campaign", "CampaignStatus", "CampaignTask", "SelfReport", "SelfReportStatus", "TaskStatus", "Visit"]
__all__ += ["FeedBatch", "FeedColumnAlias", "FeedLead", "FeedType"]
__all__ += ["HouseholdMemberFacts", "HouseholdSignalFacts"]
