"""What cases tell monitoring, and read back from it: which households are under monitoring (have
an open case), and the risk signals gathered on a case.

``open_case_ids`` is registered with ``monitoring.warnings.services.register_case_lookup`` in
``apps.ready``: a new risk signal of such a household goes on its case instead of opening a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.apps import apps
from django.db.models import QuerySet

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


def new_signals(case: Case) -> tuple[list[Signal], date | None]:
    """The case's open signals raised since its last measure began (else since it was identified,
    else since the first clue), and that date: what the risk review looks at."""
    measures = apps.get_model("cases", "Measure")  # assistance sits above casefiles
    last_measure = (measures.objects.filter(case=case, starts_on__isnull=False)
                    .order_by("-starts_on").values_list("starts_on", flat=True).first())
    since = last_measure or case.identified_on or case.first_clue_date
    signals = case_signals(case).filter(open=True)
    if since is not None:
        signals = signals.filter(raised_on__gte=since)
    return list(signals), since
