"""Forms of the case pages: opening a case (the list's filter is ``shouwang.cases.casework.filters``);
they check what the user typed.

Every choice a form offers (villages, households, cases, members) comes from querysets the
view has already passed through ``restrict``, so a form cannot reach outside the user's region.
The date input and the text clean-up below are shared by the other features' forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
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
