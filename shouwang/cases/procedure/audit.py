"""The audit of every action on a case: one ``Transition`` row, its attachments and a change-log entry."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from shouwang.cases.casefiles.models import Case
from shouwang.core.audit import Change, record_changes

from .models import Attachment, Procedure, Transition


def record(case: Case, user, level: str, action: str, from_status: str, to_status: str, *,
           procedure: Procedure | None = None, step_code: str = "", reason: str = "", data: dict | None = None,
           files: list[tuple[str, Any]] | None = None, at: datetime | None = None) -> Transition:
    """The transition row, its attachments and the change-log entry, in the caller's transaction.

    ``at`` is the time the action is recorded (now unless a caller replays a past day).
    """
    transition = Transition.objects.create(
        case=case, procedure=procedure, step_code=step_code, action=action, from_status=from_status,
        to_status=to_status, user=user, username=user.get_username() if user else "", level=level,
        reason=reason, data=data or {}, at=at or timezone.now(),
    )
    for kind, f in files or []:
        Attachment.objects.create(
            case=case, procedure=procedure, transition=transition, kind=kind, file=f,
            original_name=os.path.basename(getattr(f, "name", "") or "")[:200], uploaded_by=user,
        )
    record_changes([Change(
        action="update" if action != "open" else "create", object_type="cases.case", object_id=case.pk,
        object_repr=f"{case.household.number} {case.get_category_display()}", region_code=case.region_code,
        before={"status": from_status} if from_status else None,
        after={"status": to_status, "action": action, "step": step_code, "reason": reason, **(data or {})},
    )])
    return transition


def timeline(case: Case) -> list[Transition]:
    """Every transition of the case, oldest first, with its attachments."""
    return list(
        case.transitions.select_related("user", "procedure")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("at", "id")))
        .order_by("at", "id")
    )
