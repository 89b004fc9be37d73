"""The procedures' time limits (``ProcedureSettings``): the list everyone reads, the administrator's form.

Thin views: what may be saved and by whom is decided by :mod:`.settings_service` (the same rule
as the monitoring line: the county administrator, for a prefix on the path to their region),
and every change lands in the change log, which both pages show as the settings' history.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shouwang.core.models import ChangeLog
from shouwang.monitoring.services import may_edit
from shouwang.regions.models import Region

from . import settings_service
from .models import DayKind, ProcedureKind, ProcedureSettings, StepCode
from .views import require_view
from .workflow import DECLARATIONS

OBJECT_TYPE = "cases.proceduresettings"
# settings_service.validate keeps step days of 1 to 60 and silently drops any other number; the
# form checks the same range so the user is told instead of losing the value.
STEP_DAYS_MAX = 60
STEP_SPECS = DECLARATIONS[ProcedureKind.IDENTIFICATION]


def _user_prefix(user) -> str | None:
    """The prefix whose limits the user reads; a superuser without a region reads them all."""
    if getattr(user, "is_superuser", False) and not user.scope_prefix:
        return ""
    return user.scope_prefix


def settings_for(user) -> QuerySet[ProcedureSettings]:
    """The settings on the path to the user's region (they may apply there) and those inside it.

    They carry no personal data, but another township's limits are no business of this user.
    """
    prefix = _user_prefix(user)
    if prefix is None or not user.can("view"):
        return ProcedureSettings.objects.none()
    on_path = [prefix[:n] for n in settings_service.REGION_CODE_LENGTHS if n <= len(prefix)]
    inside = Q(region_code__startswith=prefix)
    return ProcedureSettings.objects.filter(Q(region_code__in=on_path) | inside).order_by("region_code")


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
            {"field": _field_label(name) if name in settings_service.FIELDS else name,
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


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


@login_required
@require_http_methods(["GET", "HEAD"])
def settings_list(request: HttpRequest) -> HttpResponse:
    """The limits in force in the user's region, every stored prefix that bears on it, and their history."""
    require_view(request)
    stored = list(settings_for(request.user))
    prefix = _user_prefix(request.user) or ""
    in_force = ProcedureSettings.for_region(prefix)
    names = _region_names([s.region_code for s in stored] + [prefix])
    history = _history_by_id(stored)
    items = [
        {"settings": s, "region_name": names.get(s.region_code, ""), "steps": _step_days_text(s.step_days),
         "in_force": s.pk is not None and s.pk == in_force.pk,
         "history": history_rows(history.get(str(s.pk), [])),
         "editable": may_edit(request.user, s.region_code)}
        for s in stored
    ]
    return render(request, "cases/settings_list.html", {
        "items": items, "in_force": in_force, "in_force_steps": _step_days_text(in_force.step_days),
        "region_name": names.get(prefix, prefix), "can_edit": may_edit(request.user),
    })


# --- the administrator's form -------------------------------------------------------------------


def _step_field(name: str) -> str:
    return f"step_{name}"


class SettingsForm(forms.Form):
    """What the administrator types; ``settings_service.validate`` decides what is acceptable."""

    region_code = forms.CharField(
        label=gettext_lazy("Region code prefix"), required=False, max_length=15,
        help_text=gettext_lazy(
            "Empty for everywhere; 6 digits for a county, 9 for a township, 12 for a village. "
            "The longest matching prefix applies."),
    )
    total_days = forms.IntegerField(label=gettext_lazy("Days from the first clue to identification"))
    day_kind = forms.ChoiceField(label=gettext_lazy("Counted in"), choices=DayKind.choices)
    notice_min_days = forms.IntegerField(label=gettext_lazy("Minimum days of a public notice"))
    elimination_stable_months = forms.IntegerField(
        label=gettext_lazy("Months of stable income before elimination"))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, (low, high) in settings_service.LIMITS.items():
            self.fields[name].widget.attrs.update(min=low, max=high)
        if editing:
            # The service saves by prefix: a changed prefix would create other settings, not move these.
            self.fields["region_code"].disabled = True
        for spec in STEP_SPECS:
            self.fields[_step_field(spec.code)] = forms.IntegerField(
                label=StepCode(spec.code).label, required=False, min_value=1, max_value=STEP_DAYS_MAX,
                widget=forms.NumberInput(attrs={"placeholder": spec.days}),
                help_text=_("Default: %(days)s") % {"days": spec.days},
            )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("region_code", "total_days", "day_kind", "notice_min_days",
                                        "elimination_stable_months")]

    def step_fields(self) -> list[forms.BoundField]:
        return [self[_step_field(spec.code)] for spec in STEP_SPECS]

    def values(self) -> dict[str, Any]:
        """The cleaned data as ``settings_service`` takes it; a blank step keeps its default."""
        data = self.cleaned_data
        values = {name: data[name] for name in settings_service.FIELDS if name != "step_days"}
        values["region_code"] = values["region_code"] or ""
        values["step_days"] = {spec.code: data[_step_field(spec.code)] for spec in STEP_SPECS
                               if data.get(_step_field(spec.code)) is not None}
        return values

    def add_service_error(self, exc: ValidationError) -> None:
        """The service names the field; its "step_days" is several fields here, so it goes on top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, errors)


def _initial(settings: ProcedureSettings) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(settings, name) for name in settings_service.FIELDS}
    for code, days in (settings.step_days or {}).items():
        initial[_step_field(code)] = days
    return initial


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change the limits of a prefix (the county administrator), through the service."""
    if not may_edit(request.user):
        raise PermissionDenied
    if pk:
        settings = get_object_or_404(settings_for(request.user), pk=pk)
        if not may_edit(request.user, settings.region_code):
            raise PermissionDenied
        initial = _initial(settings)
    else:
        settings = None
        # A new prefix starts from the limits now in force in the administrator's region.
        prefix = _user_prefix(request.user) or ""
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
                    settings_service.save_procedure_settings(request.user, values)
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
    region_name = _region_names([settings.region_code]).get(settings.region_code, "") if settings else ""
    return render(request, "cases/settings_form.html", {
        "form": form, "settings": settings, "history": history, "region_name": region_name,
    }, status=status)
