"""What the normalised mechanism adds to other parts' pages: the ex-poor label's decisions on a household's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shouwang.core.permissions import can
from shouwang.registry import panels

from .models import LabelExit
from .permissions import VIEW_MECHANISM


def label_history_panel(request: HttpRequest, household: Any) -> tuple[str, dict[str, Any]] | None:
    if not can(request.user, VIEW_MECHANISM.name, household):
        return None
    decisions = list(LabelExit.objects.restrict(request.user, VIEW_MECHANISM.name).filter(household=household)
                     .select_related("decided_by").order_by("-created_at", "-id"))
    if not decisions:
        return None
    return "revitalization/mechanism/_household_panel.html", {"decisions": decisions}


def connect() -> None:
    panels.register("registry.household", "label_exit", label_history_panel)
