"""The user's queue: the open steps their level and region must act on."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from .context import user_level
from .deadlines import today_date
from .models import ProcedureStatus, Step, StepStatus


def queue(user, today: date | None = None) -> QuerySet[Step]:
    """The open steps this user's level and region must act on, soonest due first, with ``is_overdue``."""
    return (
        Step.objects.restrict(user, "cases.complete_step")
        .filter(status=StepStatus.OPEN, level=user_level(user), procedure__status=ProcedureStatus.OPEN)
        .with_overdue(today or today_date())
        .select_related("procedure__case__household__village")
        .order_by("due_date", "id")
    )
