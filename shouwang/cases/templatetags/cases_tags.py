"""Template helpers of the case pages: labels of stored codes and the days-left wording."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shouwang.cases.models import ProcedureKind, StepCode

register = template.Library()


@register.filter
def step_label(code: str | None) -> str:
    return str(StepCode(code).label) if code in StepCode.values else (code or "")


@register.filter
def kind_label(kind: str | None) -> str:
    return str(ProcedureKind(kind).label) if kind in ProcedureKind.values else (kind or "")


@register.filter
def days_left(days: int | None) -> str:
    """"3 days left", "due today", "2 days overdue": the words beside a deadline."""
    if days is None:
        return ""
    if days > 0:
        return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    if days == 0:
        return _("due today")
    return ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}


@register.filter
def action_label(name: str) -> str:
    """A transition's action in words (the timeline)."""
    from shouwang.cases.procedure.declarations import ACTION_LABELS

    if name == "open":
        return _("Opened the case")
    if name == "post_notice":
        return _("Posted a public notice")
    if name == "takeover":
        return _("Imported from the national system")
    if name == "takeover_update":
        return _("Updated from the national system")
    label = ACTION_LABELS.get(name)
    return str(label) if label is not None else name


@register.filter
def level_label(level: str | None) -> str:
    from shouwang.cases.models import Level

    return str(Level(level).label) if level in Level.values else (level or "")
