"""Editing the procedures' time limits (``ProcedureSettings``): the county administrator's job.

Policy differs by place (policy.md §6.1: 15 calendar days, 20 or 25 working days…), so the
limits are data. Only an administrator whose region lies on the path of the prefix edits them
(``cases.edit_procedure_settings``, the same rule as the monitoring line), and each change lands
in the change log. Everyone who may view reads the limits that bear on their region
(:func:`settings_for`, the one queryset of the pages and the API). (The engine that runs the
procedures themselves is :mod:`.engine`.)
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import require, restrict

from .models import DayKind, ProcedureSettings, StepCode

FIELDS = ("region_code", "total_days", "day_kind", "notice_min_days", "elimination_stable_months", "step_days")
LIMITS = {"total_days": (1, 120), "notice_min_days": (1, 30), "elimination_stable_months": (0, 36)}
REGION_CODE_LENGTHS = (0, 2, 4, 6, 9, 12)


def settings_for(user) -> QuerySet[ProcedureSettings]:
    """The settings on the path to the user's region (they may apply there) and those inside it.

    They carry no personal data, but another township's limits are no business of this user.
    """
    return restrict(user, ProcedureSettings.objects.order_by("region_code"), "cases.view_procedure_settings")


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise the fields; raise ``ValidationError`` naming the field."""
    clean: dict[str, Any] = {}
    code = str(values.get("region_code") or "").strip()
    if len(code) not in REGION_CODE_LENGTHS or (code and not code.isdigit()):
        raise ValidationError({"region_code": _("A region code prefix is empty or 2, 4, 6, 9 or 12 digits.")})
    clean["region_code"] = code
    for name, (low, high) in LIMITS.items():
        if name not in values:
            continue
        try:
            number = int(values[name])
        except (TypeError, ValueError):
            raise ValidationError({name: _("Enter a whole number.")}) from None
        if not low <= number <= high:
            raise ValidationError({name: _("Between %(low)s and %(high)s.") % {"low": low, "high": high}})
        clean[name] = number
    if "day_kind" in values:
        if values["day_kind"] not in DayKind.values:
            raise ValidationError({"day_kind": _("Calendar or working days.")})
        clean["day_kind"] = values["day_kind"]
    if "step_days" in values:
        steps = values["step_days"] or {}
        if not isinstance(steps, dict) or any(k not in StepCode.values for k in steps):
            raise ValidationError({"step_days": _("Days per step, keyed by step code.")})
        try:
            clean["step_days"] = {k: int(v) for k, v in steps.items() if 0 < int(v) <= 60}
        except (TypeError, ValueError):
            raise ValidationError({"step_days": _("Days per step, keyed by step code.")}) from None
    return clean


def save_procedure_settings(user, values: dict[str, Any]) -> ProcedureSettings:
    """Create or update the settings of a region prefix, recording before and after."""
    clean = validate(values)
    # "" (everywhere) lies on the path of every region.
    require(user, "cases.edit_procedure_settings", clean["region_code"])
    acting = acting_unless_known(user, "cases")
    with acting, transaction.atomic():
        current = ProcedureSettings.objects.select_for_update().filter(region_code=clean["region_code"]).first()
        before = _snapshot(current) if current else None
        settings = current or ProcedureSettings(region_code=clean["region_code"])
        for name, value in clean.items():
            setattr(settings, name, value)
        settings.save()
        after = _snapshot(settings)
        if before != after:
            record_changes([Change(
                action="update" if before else "create", object_type="cases.proceduresettings",
                object_id=settings.pk, object_repr=str(settings), region_code=settings.region_code,
                before=before, after=after,
            )])
    return settings


def _snapshot(settings: ProcedureSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in FIELDS}
