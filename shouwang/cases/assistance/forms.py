"""Forms of the assistance pages: a measure, a contact, and the reason for unmasking the contacts' phones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.cases.casefiles.forms import DateInput, LateEntryForm, clean_text
from shouwang.cases.catalogue.models import MeasureType
from shouwang.registry.models import Member

from .models import MeasureStatus
from .sources import ContactPerson


class MeasureForm(LateEntryForm):
    measure_type = forms.ModelChoiceField(label=gettext_lazy("Measure"), queryset=MeasureType.objects.none())
    member = forms.ModelChoiceField(label=gettext_lazy("For member"), queryset=Member.objects.none(), required=False,
                                    empty_label=gettext_lazy("The whole household"))
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    responsible_unit = forms.CharField(label=gettext_lazy("Responsible unit"), required=False, max_length=200)
    responsible_person = forms.CharField(label=gettext_lazy("Responsible person"), required=False, max_length=60)
    starts_on = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), required=False, min_value=0, max_digits=12,
                                decimal_places=2)
    funding_source = forms.CharField(label=gettext_lazy("Funding source"), required=False, max_length=200)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=MeasureStatus.choices,
                               initial=MeasureStatus.ACTIVE)

    def __init__(self, *args: Any, members, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].queryset = MeasureType.objects.active().order_by("sort", "code")
        self.fields["measure_type"].label_from_instance = lambda obj: obj.name
        self.fields["member"].queryset = members

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end is before the start."))
        return data

    def as_data(self) -> dict[str, Any]:
        """The measure as ``engine.perform(..., "add_measure", data=...)`` takes it."""
        d = self.cleaned_data
        return {
            "measure_type": d["measure_type"].code,
            "member": d["member"].pk if d.get("member") else None,
            "description": d.get("description", ""),
            "responsible_unit": d.get("responsible_unit", ""),
            "responsible_person": d.get("responsible_person", ""),
            "starts_on": d["starts_on"].isoformat() if d.get("starts_on") else None,
            "ends_on": d["ends_on"].isoformat() if d.get("ends_on") else None,
            "amount": str(d["amount"]) if d.get("amount") is not None else None,
            "funding_source": d.get("funding_source", ""),
            "status": d["status"],
            "late_reason": d.get("late_reason", ""),
        }


class ContactForm(forms.Form):
    """A contact typed in, or picked from the register a higher part plugs in (``sources``): ``people``
    are the register's people offered; a person picked stands for the typed name, unit and phone."""

    register_person = forms.ChoiceField(label=gettext_lazy("From the register"), required=False)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60, required=False)
    unit = forms.CharField(label=gettext_lazy("Work unit"), required=False, max_length=200)
    position = forms.CharField(label=gettext_lazy("Position"), required=False, max_length=100)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    starts_on = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())

    def __init__(self, *args: Any, people: Sequence[ContactPerson] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        if people:
            self.fields["register_person"].choices = [
                ("", gettext_lazy("— type the contact below —")), *((p.key, p.label) for p in people)]
            self.fields["register_person"].help_text = gettext_lazy(
                "A person picked here is recorded with the register's name, unit and phone.")
        else:
            del self.fields["register_person"]

    def clean(self):
        data = super().clean()
        if not data.get("register_person") and not (data.get("name") or "").strip() and "name" not in self.errors:
            self.add_error("name", _("Type the contact's name or pick a person from the register."))
        return data

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s-]", "", self.cleaned_data.get("phone") or "")
        if phone and not re.fullmatch(r"\+?\d{7,15}", phone):
            raise forms.ValidationError(_("Enter a phone number of digits only."))
        return phone

    def as_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"], "unit": d.get("unit", ""), "position": d.get("position", ""),
            "phone": d.get("phone", ""),
            "starts_on": d["starts_on"].isoformat() if d.get("starts_on") else None,
            "register_key": d.get("register_person") or "",
        }


class UnmaskForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for viewing the full numbers"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = clean_text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason
