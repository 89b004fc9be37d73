"""Changing the monitoring line: checked and logged (who may is :mod:`.permissions`').

History of a line is the change log (``shouwang.core.audit``): each save writes one
before/after entry in the same transaction, chained by hashes like every other change, so
the line needs no history table of its own.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.models import ChangeLog
from shouwang.core.permissions import require, restrict

from .models import MonitoringLine
from .permissions import EDIT_LINE, VIEW_LINE

LINE_FIELDS = ("year", "region_code", "amount", "basis", "document_number", "source")
_JSON_TYPES = (str, int, bool, dict, list, type(None))


def _snapshot(obj, fields: tuple[str, ...]) -> dict:
    data = {name: getattr(obj, name) for name in fields}
    return {k: (v if isinstance(v, _JSON_TYPES) else str(v)) for k, v in data.items()}


def _acting(user):
    """Attribute the change to ``user`` unless a request or command already says who acts."""
    return acting_unless_known(user, "monitoring")


def save_line(line: MonitoringLine, user) -> MonitoringLine:
    """Validate and save a line, recording before and after in the change log."""
    line.full_clean()
    require(user, EDIT_LINE.name, line.region_code or "")  # "" is the country's line, on every path
    with transaction.atomic(), _acting(user):
        before = None
        if line.pk:
            old = MonitoringLine.objects.select_for_update().get(pk=line.pk)
            require(user, EDIT_LINE.name, old.region_code)
            before = _snapshot(old, LINE_FIELDS)
        line.changed_by = user if getattr(user, "pk", None) else None
        line.save()
        line.refresh_from_db(fields=list(LINE_FIELDS))
        after = _snapshot(line, LINE_FIELDS)
        if before != after:
            record_changes([Change(
                action="update" if before else "create", object_type="monitoring.monitoringline", object_id=line.pk,
                object_repr=str(line), region_code=line.region_code, before=before, after=after,
            )])
    return line


def line_history(line: MonitoringLine) -> QuerySet[ChangeLog]:
    """Every recorded change of a line, newest first."""
    return ChangeLog.objects.filter(object_type="monitoring.monitoringline", object_id=str(line.pk)).order_by("-id")


def lines_for(user) -> QuerySet[MonitoringLine]:
    """The lines a user reads: those on the path to their region (national, province, prefecture,
    county) and any inside it. Lines carry no personal data; a role without "view" sees none."""
    lines = restrict(user, MonitoringLine.objects.all(), VIEW_LINE.name)
    return lines.select_related("changed_by").order_by("-year", "region_code")
