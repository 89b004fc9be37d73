"""What cases tell screening: household/rule pairs already being dealt with by an open case."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from .models import Case


def suppressed_pairs(household_years: QuerySet) -> set[tuple[int, int]]:
    """(household, rule) pairs screening must not warn about again: an open case came from that rule.

    Registered with ``monitoring.screening.services.register_suppression_provider`` in ``apps.ready``.
    Covers the warning a case was opened from and any other warning of the household escalated
    while the case is open (both raised by a rule the case is already dealing with).
    """
    from shouwang.monitoring.models import Warning, WarningStatus

    # Every open case counts, not only those of the screened rows: an open case's pair must never
    # get a new warning, and open cases are few where the screened rows may be a county's million
    # (restricting to them cost a semi-join over all of them, 0.6 s at a million on SQLite).
    open_cases = Case.objects.open()
    pairs = set(open_cases.filter(warning__rule__isnull=False).values_list("household_id", "warning__rule_id"))
    escalated = Warning.objects.filter(
        status=WarningStatus.ESCALATED, rule__isnull=False, household__cases__in=open_cases,
        closed_at__gte=models.F("household__cases__created_at"),
    )
    pairs.update(escalated.values_list("household_id", "rule_id"))
    return pairs
