"""Forms of the procedure's pages: an action on a case, an attachment, and the time limits.

They check what the user typed; the engine (and, for the time limits, ``services``) decides what
may happen.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.cases.casefiles.models import EliminationMode

from . import services
from .declarations import DECLARATIONS, MAX_REASON
from .models import AttachmentKind, DayKind, ProcedureKind, StepCode
from .uploads import attachment_problem

# services.validate keeps step days of 1 to 60 and silently drops any other number; the
# form checks the same range so the user is told instead of losing the value.
STEP_DAYS_MAX = 60
STEP_SPECS = DECLARATIONS[ProcedureKind.IDENTIFICATION]


# --- acting on a case -----------------------------------------------------------------------------


class ActionForm(forms.Form):
    action = forms.CharField(max_length=40)
    step = forms.CharField(max_length=20, required=False)
    mode = forms.ChoiceField(choices=[("", "")] + list(EliminationMode.choices), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason or note"), required=False, max_length=MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 2}))
    # The day a step was done; earlier than today it is a late entry (补录) and needs ``late_reason``.
    done_on = forms.DateField(required=False)
    late_reason = forms.CharField(required=False, max_length=MAX_REASON)

    def clean_reason(self) -> str:
        return (self.cleaned_data.get("reason") or "").strip()

    def clean_late_reason(self) -> str:
        return (self.cleaned_data.get("late_reason") or "").strip()


def check_attachment(uploaded) -> Any:
    """PDF, JPEG or PNG, at most 10 MB, and the file's first bytes must agree with its name."""
    if uploaded is None:
        return uploaded
    problem = attachment_problem(uploaded)
    if problem:
        raise forms.ValidationError(problem)
    return uploaded


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What it is"), choices=AttachmentKind.choices,
                             initial=AttachmentKind.AUTHORISATION)
    file = forms.FileField(label=gettext_lazy("File (PDF, JPG or PNG, at most 10 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def clean_file(self):
        return check_attachment(self.cleaned_data.get("file"))


# --- the administrator's form -------------------------------------------------------------------


def step_field(name: str) -> str:
    return f"step_{name}"


class SettingsForm(forms.Form):
    """What the administrator types; ``services.validate`` decides what is acceptable."""

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
        for name, (low, high) in services.LIMITS.items():
            self.fields[name].widget.attrs.update(min=low, max=high)
        if editing:
            # The service saves by prefix: a changed prefix would create other settings, not move these.
            self.fields["region_code"].disabled = True
        for spec in STEP_SPECS:
            self.fields[step_field(spec.code)] = forms.IntegerField(
                label=StepCode(spec.code).label, required=False, min_value=1, max_value=STEP_DAYS_MAX,
                widget=forms.NumberInput(attrs={"placeholder": spec.days}),
                help_text=_("Default: %(days)s") % {"days": spec.days},
            )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("region_code", "total_days", "day_kind", "notice_min_days",
                                        "elimination_stable_months")]

    def step_fields(self) -> list[forms.BoundField]:
        return [self[step_field(spec.code)] for spec in STEP_SPECS]

    def values(self) -> dict[str, Any]:
        """The cleaned data as ``services`` takes it; a blank step keeps its default."""
        data = self.cleaned_data
        values = {name: data[name] for name in services.FIELDS if name != "step_days"}
        values["region_code"] = values["region_code"] or ""
        values["step_days"] = {spec.code: data[step_field(spec.code)] for spec in STEP_SPECS
                               if data.get(step_field(spec.code)) is not None}
        return values

    def add_service_error(self, exc: ValidationError) -> None:
        """The service names the field; its "step_days" is several fields here, so it goes on top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, errors)
