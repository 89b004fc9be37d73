"""The case list's queries: the user's cases, the list's columns and its filter (page and export alike)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from shouwang.cases.catalogue.models import RiskType
from shouwang.cases.pages import head_name_subquery
from shouwang.cases.procedure.models import ProcedureStatus, Step, StepStatus
from shouwang.registry.models import Member

from .models import Case, CaseStatus


def scoped_cases(user) -> QuerySet[Case]:
    return Case.objects.restrict(user, "view")


def with_list_columns(cases: QuerySet[Case], today: date) -> QuerySet[Case]:
    """Head's name, the next open step and its due date, overdue: subqueries, one query a page."""
    open_steps = Step.objects.filter(
        procedure__case=OuterRef("pk"), procedure__status=ProcedureStatus.OPEN, status=StepStatus.OPEN,
    ).order_by("due_date", "order")
    return (
        cases.with_overdue(today)
        .annotate(
            head_name=head_name_subquery(),
            next_step=Subquery(open_steps.values("code")[:1]),
            next_due=Subquery(open_steps.values("due_date")[:1]),
            step_late=Exists(open_steps.filter(due_date__lt=today)),
        )
        .select_related("household__village")
        .prefetch_related(Prefetch("risk_types", queryset=RiskType.objects.order_by("sort", "code")))
    )


def filter_cases(cases: QuerySet[Case], data: dict[str, Any]) -> QuerySet[Case]:
    status = data.get("status") or "open"
    if status == "open":
        cases = cases.filter(status__in=CaseStatus.open())
    elif status == "overdue":
        cases = cases.filter(Q(is_overdue=True) | Q(step_late=True))
    elif status in CaseStatus.values:
        cases = cases.filter(status=status)
    if data.get("category"):
        cases = cases.filter(category=data["category"])
    if data.get("village"):
        cases = cases.filter(region_code=data["village"])
    q = data.get("q")
    if q:
        heads = Member.objects.filter(household_id=OuterRef("household_id"), name__icontains=q)
        cases = cases.filter(Q(household__number__icontains=q) | Q(Exists(heads)))
    return cases
