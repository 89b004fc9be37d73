"""Monitoring line pages: the lines on the path to the user's region, with their history, and editing one.

Thin views: who may edit and every change is decided in :mod:`.services` (``save_line``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core.audit_labels import field_label, value_label
from shouwang.core.models import ChangeLog
from shouwang.core.permissions import can, home_region, require, requires
from shouwang.regions.models import region_names

from .forms import CarryForwardForm, LineForm
from .models import MonitoringLine
from .permissions import EDIT_LINE, VIEW_LINE, line_refusal
from .services import carry_forward, line_history, lines_for, missing_line_years, save_line

# --- monitoring lines --------------------------------------------------------------------------


def _history_rows(entries) -> list[dict]:
    rows = []
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        # Field names and values as the page's language says them (not "carried_forward True").
        changed = [
            {"field": field_label(MonitoringLine, name), "before": value_label(MonitoringLine, name, before.get(name)),
             "after": value_label(MonitoringLine, name, after.get(name))}
            for name in after if before.get(name) != after.get(name)
        ]
        rows.append({"entry": entry, "changed": changed})
    return rows


@login_required
@requires(VIEW_LINE.name)
@require_http_methods(["GET", "HEAD"])
def line_list(request: HttpRequest) -> HttpResponse:
    lines = list(lines_for(request.user))
    names = region_names(line.region_code for line in lines)
    history: dict[str, list] = {}
    entries = ChangeLog.objects.filter(
        object_type="monitoring.monitoringline", object_id__in=[str(line.pk) for line in lines],
    ).order_by("-id")
    for entry in entries:
        history.setdefault(entry.object_id, []).append(entry)
    items = [
        {"line": line, "region_name": names.get(line.region_code, ""),
         "history": _history_rows(history.get(str(line.pk), [])),
         "editable": can(request.user, EDIT_LINE.name, line.region_code)}
        for line in lines
    ]
    region = home_region(request.user) or ""
    missing = missing_line_years(region)
    can_edit = can(request.user, EDIT_LINE.name)
    carry_form = None
    if can_edit:
        # The earliest year without a line first: a year is carried from the one before it.
        carry_form = CarryForwardForm(initial={"year": missing[-1] if missing else None, "region_code": region[:6]})
    context = {"items": items, "can_edit": can_edit, "missing_line_years": missing, "carry_form": carry_form}
    return render(request, "monitoring/line_list.html", context)


@login_required
@requires(EDIT_LINE.name)
@require_http_methods(["POST"])
def line_carry_forward(request: HttpRequest) -> HttpResponse:
    """Record 沿用上年标准 for a year and region (``services.carry_forward``), back to the lines page."""
    form = CarryForwardForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = carry_forward(data["year"], data["region_code"] or "", request.user, data["basis"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The line of %(from)s is carried forward to %(year)s.") % {
                "from": line.carried_from_year, "year": line.year})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("monitoring:line_list")


@login_required
@requires(EDIT_LINE.name)
@require_http_methods(["GET", "HEAD", "POST"])
def line_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a line (the county administrator), through ``services.save_line``."""
    line = get_object_or_404(lines_for(request.user), pk=pk) if pk else MonitoringLine()
    if pk:
        require(request.user, EDIT_LINE.name, line.region_code, message=line_refusal(line.region_code))
    initial = {} if pk else {"region_code": (home_region(request.user) or "")[:6]}
    form = LineForm(request.POST or None, instance=line, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_line(form.instance, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error("region_code", str(exc))
        else:
            messages.success(request, _("The monitoring line was saved."))
            return redirect("monitoring:line_list")
    history = _history_rows(line_history(line)) if pk else []
    return render(request, "monitoring/line_form.html", {"form": form, "line": line if pk else None,
                                                          "history": history})
