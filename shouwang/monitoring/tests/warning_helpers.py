"""Builders for warning tests: a warning in a village with the status and deadline a test needs."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from shouwang.monitoring.models import Rule, Signal, Warning, WarningChannel, WarningStatus
from shouwang.monitoring.tests.factories import household

EVIDENCE = {
    "rule": "DROPOUT", "rule_version": 1, "expression": "dropout", "facts": {"dropout": True},
    "parameters": {}, "window": ["2023-01-01", "2023-12-31"],
}


def make_warning(village: str, *, status: str = WarningStatus.NEW, due: date | None = date(2030, 1, 10),
                 rule_code: str | None = "DROPOUT", number: str | None = None, channel: str = WarningChannel.RULE,
                 evidence: dict | None = None, wage: str = "10000") -> Warning:
    """A warning and its one signal, as screening or a report leaves them (``wage``: the household's,
    below the line of 7,500 where a case must be opened from it)."""
    h = household(village, number=number, wage=wage)
    rule = Rule.objects.get(code=rule_code) if rule_code else None
    fields = {"household": h, "rule": rule, "rule_version": rule.version if rule else None, "year": 2023,
              "channel": channel, "evidence": EVIDENCE if evidence is None else evidence}
    warning = Warning.objects.create(status=status, due_date=due, **fields)
    Signal.objects.create(warning=warning, raised_on=timezone.localdate(warning.created_at),
                          open=status in WarningStatus.open(), **fields)
    return warning
