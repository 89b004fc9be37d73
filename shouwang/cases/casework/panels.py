"""Sections the cases part adds to earlier parts' pages, through ``shouwang.registry.panels``.

The registry's household page lists the household's cases, and a warning under verification
offers "Open a case"; neither the registry nor monitoring imports this part (DESIGN.md:
dependencies run one way). ``register_panels`` runs in ``CasesConfig.ready``; calling it again
changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.cases.procedure.deadlines import today_date
from shouwang.core.permissions import can
from shouwang.monitoring.models import WarningStatus
from shouwang.registry import panels


def household_cases(request: HttpRequest, household) -> tuple[str, dict[str, Any]] | None:
    """The household's cases, newest first, and a way to open one when none is open."""
    user = request.user
    if not can(user, "view"):
        return None
    cases = list(
        Case.objects.restrict(user, "view").filter(household=household).with_overdue(today_date())
        .prefetch_related("risk_types").order_by("-created_at", "-id")
    )
    has_open = any(c.status in CaseStatus.open() for c in cases)
    return "cases/panels/household_cases.html", {
        "household": household, "cases": cases,
        "can_open": not has_open and can(user, "cases.open_case", household.region_code),
    }


def warning_case(request: HttpRequest, warning) -> tuple[str, dict[str, Any]] | None:
    """On a warning under verification: open a case from it, or go to the household's open case."""
    user = request.user
    open_case = Case.objects.restrict(user, "view").filter(household_id=warning.household_id,
                                                            status__in=CaseStatus.open()).first()
    from_warning = Case.objects.restrict(user, "view").filter(warning=warning).first()
    can_open = (warning.status == WarningStatus.VERIFYING and open_case is None
                and can(user, "cases.open_case", warning.region_code))
    if not (can_open or open_case or from_warning):
        return None
    return "cases/panels/warning_case.html", {
        "warning": warning, "can_open": can_open, "open_case": open_case, "from_warning": from_warning,
    }


def register_panels() -> None:
    panels.register("registry.household", "cases", household_cases)
    panels.register("monitoring.warning", "cases", warning_case)
