"""What cases tell monitoring, and read back from it: which households are under monitoring (have
an open case), and the risk signals gathered on a case.

``open_case_ids`` is registered with ``monitoring.warnings.services.register_case_lookup`` in
``apps.ready``: a new risk signal of such a household goes on its case instead of opening a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Max, QuerySet

from shouwang.monitoring.models import Signal

from .models import Case


def open_case_ids(household_ids: Iterable[int]) -> dict[int, int]:
    """{household id: its open case's id} for those of ``household_ids`` with an open case.

    ``household_ids`` may be a queryset of ids: it is then a subquery, nothing passes through Python.
    """
    return dict(Case.objects.open().filter(household_id__in=household_ids).values_list("household_id", "id"))


def case_signals(case: Case) -> QuerySet[Signal]:
    """The risk signals gathered on the case, oldest first (open ones and those it closed)."""
    return Signal.objects.filter(case_id=case.pk).select_related("rule").order_by("raised_on", "id")


def signals_since(case: Case) -> date | None:
    """The day the risk review looks back to: the start of the case's last measure, else the day it
    was identified, else its first clue."""
    last_measure = case.measures.filter(starts_on__isnull=False).aggregate(m=Max("starts_on"))["m"]
    return last_measure or case.identified_on or case.first_clue_date


def is_new(signal: Signal, since: date | None) -> bool:
    """Open and raised on or after ``since``: a signal the risk review has to weigh."""
    return signal.open and (since is None or signal.raised_on >= since)


def new_signals(case: Case) -> tuple[list[Signal], date | None]:
    """The case's open signals raised since ``signals_since``, and that date."""
    since = signals_since(case)
    signals = case_signals(case).filter(open=True)
    if since is not None:
        signals = signals.filter(raised_on__gte=since)
    return list(signals), since
