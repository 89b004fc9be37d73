"""Procedure pages: acting on a case (the case page's buttons and files), the user's pending steps
("My pending steps"), and the procedures' time limits (``ProcedureSettings``).

Thin views: what may happen is decided by the engine (``engine.perform``); the queue is
``queue.queue``: the open steps of the user's own level inside their region, soonest due first.
The limits shown are ``services.settings_for`` (those that bear on the user's region, as in the
API); what may be saved and by whom is ``cases.edit_procedure_settings`` (the county
administrator, for a prefix on the path to their region), and every change lands in the change
log, which both pages show as the settings' history.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.cases.pages import PAGE_SIZE, head_name_subquery
from shouwang.core.models import ChangeLog
from shouwang.core.permissions import can, home_region, require, requires
from shouwang.regions.models import region_names

from . import engine, services
from .casepage import STEP_ACTIONS, STEP_FILES, get_case, refused, render_case
from .context import user_level
from .deadlines import today_date
from .declarations import APPROVAL_STEP
from .forms import ActionForm, AttachmentForm, SettingsForm, check_attachment, step_field
from .lateentry import LateReasonRequired
from .models import Attachment, DayKind, ProcedureSettings, StepCode
from .queue import queue as pending_steps
from .refusals import ActionRefused

OBJECT_TYPE = "cases.proceduresettings"


# --- acting on a case -----------------------------------------------------------------------------


def _step_files(request: HttpRequest, step: str) -> tuple[dict[str, Any] | None, str]:
    """The file sent with a step's own form, checked like any attachment; (files, error)."""
    uploaded = request.FILES.get("file")
    if uploaded is None or step not in STEP_FILES:
        return None, ""
    try:
        check_attachment(uploaded)
    except forms.ValidationError as exc:
        return None, " ".join(exc.messages)
    return {str(STEP_FILES[step]): uploaded}, ""


@login_required
@requires("cases.complete_step")
@require_POST
def case_act(request: HttpRequest, pk: int) -> HttpResponse:
    """One action from the case page's buttons, through ``engine.perform``."""
    case = get_case(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return render_case(request, case, status=400)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    data: dict[str, Any] = {}
    if form.cleaned_data["step"]:
        data["step"] = form.cleaned_data["step"]
    if form.cleaned_data["mode"]:
        data["mode"] = form.cleaned_data["mode"]
    if form.cleaned_data["done_on"] and action in STEP_ACTIONS:
        data["done_on"] = form.cleaned_data["done_on"]
    files, error = _step_files(request, data.get("step", ""))
    if error:
        messages.error(request, error)
        return render_case(request, case, status=400)
    try:
        case = engine.perform(case, action, request.user, reason=reason, data=data, files=files,
                              late_reason=form.cleaned_data["late_reason"])
    except LateReasonRequired as exc:
        # The step's form comes back with the date kept and the reason's field open, marked.
        late = {"step": data.get("step") or APPROVAL_STEP.get(action, ""), "done_on": data.get("done_on"),
                "error": exc.reason, "reason": reason}
        return refused(request, case, exc, late_entry=late)
    except ActionRefused as exc:
        return refused(request, case, exc)
    messages.success(request, _("Done. The case is now “%(status)s”.") % {"status": case.get_status_display()})
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@requires("cases.complete_step")
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The file was not attached."))
        return render_case(request, case, status=400, attachment_form=form)
    try:
        engine.perform(case, "attach", request.user, reason=request.POST.get("reason", ""),
                       files={form.cleaned_data["kind"]: form.cleaned_data["file"]})
    except ActionRefused as exc:
        return refused(request, case, exc)
    messages.success(request, _("The file was attached."))
    return redirect(reverse("cases:case_detail", args=[case.pk]) + "#attachments")


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """A case's file, for those who may see the case (files are never served from a public folder)."""
    case = get_case(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, case=case)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name or None)
    add_never_cache_headers(response)
    return response


# --- the user's pending steps ---------------------------------------------------------------------


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def queue(request: HttpRequest) -> HttpResponse:
    today = today_date()
    steps = pending_steps(request.user, today).annotate(head_name=head_name_subquery("procedure__case__household_id"))
    paginator = Paginator(steps, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {"step": s, "case": s.procedure.case, "days_left": (s.due_date - today).days if s.due_date else None}
        for s in page.object_list
    ]
    return render(request, "cases/queue.html", {
        "page": page, "paginator": paginator, "rows": rows, "today": today,
        "overdue_count": pending_steps(request.user, today).filter(due_date__lt=today).count(),
        "level": user_level(request.user),
    })


# --- the time limits ------------------------------------------------------------------------------


# --- showing a setting ------------------------------------------------------------------------


def _step_days_text(step_days: dict | None) -> str:
    """"Home verification 3, Public notice 8": the overridden steps, in the procedure's order."""
    step_days = step_days or {}
    labels = dict(StepCode.choices)
    ordered = [code for code in StepCode.values if code in step_days]
    ordered += [code for code in step_days if code not in labels]
    return ", ".join(f"{labels.get(code, code)} {step_days[code]}" for code in ordered)


def _value_text(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "day_kind":
        return str(DayKind(value).label) if value in DayKind.values else value
    if name == "step_days":
        return _step_days_text(value) or _("defaults")
    if name == "region_code":
        return value or _("Everywhere")
    return value


def _field_label(name: str) -> str:
    return str(ProcedureSettings._meta.get_field(name).verbose_name)


def history_rows(entries) -> list[dict]:
    """Change-log entries as rows of (field, before, after), in words, like the line page's."""
    rows = []
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        changed = [
            {"field": _field_label(name) if name in services.FIELDS else name,
             "before": _value_text(name, before.get(name)), "after": _value_text(name, after.get(name))}
            for name in after if before.get(name) != after.get(name)
        ]
        rows.append({"entry": entry, "changed": changed})
    return rows


def _history_by_id(settings: list[ProcedureSettings]) -> dict[str, list[ChangeLog]]:
    history: dict[str, list[ChangeLog]] = {}
    entries = ChangeLog.objects.filter(object_type=OBJECT_TYPE, object_id__in=[str(s.pk) for s in settings])
    for entry in entries.order_by("-id"):
        history.setdefault(entry.object_id, []).append(entry)
    return history


@login_required
@requires("cases.view_procedure_settings")
@require_http_methods(["GET", "HEAD"])
def settings_list(request: HttpRequest) -> HttpResponse:
    """The limits in force in the user's region, every stored prefix that bears on it, and their history."""
    stored = list(services.settings_for(request.user))
    prefix = home_region(request.user) or ""
    in_force = ProcedureSettings.for_region(prefix)
    names = region_names([s.region_code for s in stored] + [prefix])
    history = _history_by_id(stored)
    items = [
        {"settings": s, "region_name": names.get(s.region_code, ""), "steps": _step_days_text(s.step_days),
         "in_force": s.pk is not None and s.pk == in_force.pk,
         "history": history_rows(history.get(str(s.pk), [])),
         "editable": can(request.user, "cases.edit_procedure_settings", s.region_code)}
        for s in stored
    ]
    return render(request, "cases/settings_list.html", {
        "items": items, "in_force": in_force, "in_force_steps": _step_days_text(in_force.step_days),
        "region_name": names.get(prefix, prefix),
        "can_edit": can(request.user, "cases.edit_procedure_settings"),
    })


def _initial(settings: ProcedureSettings) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(settings, name) for name in services.FIELDS}
    for code, days in (settings.step_days or {}).items():
        initial[step_field(code)] = days
    return initial


@login_required
@requires("cases.edit_procedure_settings")
@require_http_methods(["GET", "HEAD", "POST"])
def settings_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change the limits of a prefix (the county administrator), through the service."""
    if pk:
        settings = get_object_or_404(services.settings_for(request.user), pk=pk)
        require(request.user, "cases.edit_procedure_settings", settings.region_code)
        initial = _initial(settings)
    else:
        settings = None
        # A new prefix starts from the limits now in force in the administrator's region.
        prefix = home_region(request.user) or ""
        initial = {**_initial(ProcedureSettings.for_region(prefix)), "region_code": prefix}
    form = SettingsForm(request.POST or None, initial=initial, editing=settings is not None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = form.values()
            taken = ProcedureSettings.objects.filter(region_code=values["region_code"]).exists()
            if settings is None and taken:
                # The service would quietly replace them; a new form must not overwrite.
                form.add_error("region_code", _("Limits for this prefix exist already: change them instead."))
            else:
                try:
                    services.save_procedure_settings(request.user, values)
                except ValidationError as exc:
                    form.add_service_error(exc)
                except PermissionDenied as exc:
                    form.add_error("region_code", str(exc))
                    status = 403
                else:
                    messages.success(request, _("The time limits were saved."))
                    return redirect("cases:settings_list")
    history = history_rows(ChangeLog.objects.filter(object_type=OBJECT_TYPE, object_id=str(settings.pk))
                           .order_by("-id")) if settings else []
    region_name = region_names([settings.region_code]).get(settings.region_code, "") if settings else ""
    return render(request, "cases/settings_form.html", {
        "form": form, "settings": settings, "history": history, "region_name": region_name,
    }, status=status)
