"""The case list's queries: the user's cases and the list's columns (page and export alike).

The list's filter is :mod:`.filters`.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from shouwang.cases.casefiles.models import Case
from shouwang.cases.catalogue.models import RiskType
from shouwang.cases.pages import head_name_subquery
from shouwang.cases.procedure.models import ProcedureStatus, Step, StepStatus


def scoped_cases(user) -> QuerySet[Case]:
    return Case.objects.restrict(user, "view")


def open_steps() -> QuerySet[Step]:
    """The open steps of the case ``OuterRef("pk")``, soonest first."""
    return Step.objects.filter(
        procedure__case=OuterRef("pk"), procedure__status=ProcedureStatus.OPEN, status=StepStatus.OPEN,
    ).order_by("due_date", "order")


def late_steps(today: date) -> QuerySet[Step]:
    """The open steps of the case ``OuterRef("pk")`` past their date (``step_late``)."""
    return open_steps().filter(due_date__lt=today)


def with_list_columns(cases: QuerySet[Case], today: date) -> QuerySet[Case]:
    """Head's name, the next open step and its due date, overdue: subqueries, one query a page."""
    steps = open_steps()
    return (
        cases.with_overdue(today)
        .annotate(
            head_name=head_name_subquery(),
            next_step=Subquery(steps.values("code")[:1]),
            next_due=Subquery(steps.values("due_date")[:1]),
            step_late=Exists(late_steps(today)),
        )
        .select_related("household__village")
        .prefetch_related(Prefetch("risk_types", queryset=RiskType.objects.order_by("sort", "code")))
    )
