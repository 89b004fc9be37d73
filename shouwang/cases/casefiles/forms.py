"""Forms of the case pages: opening a case (the list's filter is ``shouwang.cases.casework.filters``);
they check what the user typed.

Every choice a form offers (villages, households, cases, members) comes from querysets the
view has already passed through ``restrict``, so a form cannot reach outside the user's region.
The date input and the text clean-up below are shared by the other features' forms.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.cases.catalogue.models import RiskType

from .models import MAX_RISK_TYPES, Category


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def clean_text(value: str) -> str:
    return " ".join((value or "").split())


# --- late entries (补录) ----------------------------------------------------------------------------


def late_reason_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Reason for the late entry"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The date is earlier than today: say why it is recorded only now."),
    )


def date_before(value: Any, today: date) -> bool:
    """Whether a date field's value (a date or the text typed) is earlier than ``today``."""
    if isinstance(value, str):
        value = parse_date(value.strip()) if value.strip() else None
    return isinstance(value, date) and value < today


class LateEntryForm(forms.Form):
    """A form whose date (``late_date_field``) may be earlier than today: a late entry needs a reason.

    The service decides (it refuses a late entry without a reason, and the view puts that on
    ``late_reason``); the page shows the reason's field when the date is in the past, a little
    script shows it as soon as such a date is typed.
    """

    late_date_field = "starts_on"
    late_reason = late_reason_field()

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["late_reason"] = self.fields.pop("late_reason")  # last, below the form's own fields

    @property
    def late_for(self) -> str:
        return self[self.late_date_field].id_for_label

    @property
    def late_shown(self) -> bool:
        if self.is_bound and (self.errors.get("late_reason") or (self.data.get("late_reason") or "").strip()):
            return True
        return date_before(self[self.late_date_field].value(), self.today)

    def clean_late_reason(self) -> str:
        return clean_text(self.cleaned_data.get("late_reason") or "")


# --- opening a case -------------------------------------------------------------------------------


class RiskTypeField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: RiskType) -> str:
        return obj.name


class OpenCaseForm(forms.Form):
    """The household is fixed by the view (from the warning, report, visit or the number typed)."""

    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices, widget=forms.RadioSelect)
    risk_types = RiskTypeField(
        label=gettext_lazy("Risk types"), queryset=RiskType.objects.none(),
        help_text=gettext_lazy("One to five. For a natural disaster, tick its kind as well."),
    )
    disaster_note = forms.CharField(label=gettext_lazy("Disaster note"), required=False, max_length=200)
    first_clue_date = forms.DateField(
        label=gettext_lazy("First clue found on"), widget=DateInput(),
        help_text=gettext_lazy("The procedure's days are counted from this date."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        active = RiskType.objects.active().select_related("parent").order_by("sort", "code")
        self.fields["risk_types"].queryset = active
        self.risk_groups = _risk_groups(list(active))

    def clean_first_clue_date(self):
        value = self.cleaned_data["first_clue_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The first clue cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        chosen = list(data.get("risk_types") or [])
        if not chosen:
            return data
        top = {rt.parent if rt.parent_id else rt for rt in chosen}
        if len(top) > MAX_RISK_TYPES:
            self.add_error("risk_types", _("Choose at most %(n)d risk types.") % {"n": MAX_RISK_TYPES})
        # A disaster sub-item implies the disaster itself: tick it for the user rather than refuse.
        parents = [rt.parent for rt in chosen if rt.parent_id and rt.parent not in chosen]
        data["risk_types"] = chosen + list({p.pk: p for p in parents}.values())
        return data


def _risk_groups(risk_types: list[RiskType]) -> list[tuple[RiskType, list[RiskType]]]:
    """Top-level risk types, each with its sub-items (the natural-disaster kinds)."""
    children: dict[int, list[RiskType]] = {}
    for rt in risk_types:
        if rt.parent_id:
            children.setdefault(rt.parent_id, []).append(rt)
    return [(rt, children.get(rt.pk, [])) for rt in risk_types if not rt.parent_id]


class HouseholdNumberForm(forms.Form):
    """Direct entry: find the household by its number, inside the user's region."""

    number = forms.CharField(label=gettext_lazy("Household number"), max_length=40)

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip()
