"""Monitoring and early warning: the line, the screening rules, feed signals and warnings."""

from .feeds import FeedSignal
from .lines import MonitoringLine
from .rules import RiskType, Rule, RuleVersion, Severity
from .warnings import Warning, WarningChannel, WarningStatus

__all__ = [
    "FeedSignal", "MonitoringLine", "RiskType", "Rule", "RuleVersion", "Severity", "Warning", "WarningChannel",
    "WarningStatus",
]
