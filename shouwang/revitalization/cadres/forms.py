"""Forms of the register's pages: a person, a month's days in the village, a training and who
attended it, the county's limits, the reason for unmasking, the import upload."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.idnumbers import IdNumberError, parse_id_number
from shouwang.core.import_pages import UPLOAD_MODES, check_upload
from shouwang.regions.filters import labelled_villages, regions_within
from shouwang.regions.models import Region

from .models import Cadre, CadreKind, TalentType, Training


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m", **kwargs)


def clean_phone(value: str) -> str:
    phone = re.sub(r"[\s-]", "", value or "")
    if phone and not re.fullmatch(r"\+?\d{7,15}", phone):
        raise forms.ValidationError(_("Enter a phone number of digits only."))
    return phone


def region_choices(user: Any) -> list[tuple[str, str]]:
    """The villages of the user's region ("township · village"), then its townships as a whole."""
    villages = regions_within(user, Region.Level.VILLAGE)
    townships = regions_within(user, Region.Level.TOWNSHIP)
    return [*labelled_villages(villages, townships),
            *((t.code, _("%(township)s (the whole township)") % {"township": t.name}) for t in townships)]


class CadreForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CadreKind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    region_code = forms.ChoiceField(label=gettext_lazy("Village or township served"))
    unit = forms.CharField(label=gettext_lazy("Dispatching or work unit"), required=False, max_length=200)
    position = forms.CharField(label=gettext_lazy("Position"), required=False, max_length=100)
    talent_type = forms.ChoiceField(label=gettext_lazy("Talent type (local talent only)"), required=False,
                                    choices=[("", "—"), *TalentType.choices])
    term_start = forms.DateField(label=gettext_lazy("Term starts"), required=False, widget=DateInput())
    term_end = forms.DateField(label=gettext_lazy("Term ends"), required=False, widget=DateInput())
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    id_number = forms.CharField(label=gettext_lazy("ID number"), required=False, max_length=24,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, instance: Cadre | None = None, **kwargs: Any):
        self.instance = instance or Cadre()
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(instance, f) for f in (
                "kind", "name", "region_code", "unit", "position", "talent_type", "term_start", "term_end", "notes")}
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = region_choices(user)
        if instance is not None and instance.pk:
            # The numbers are never sent back to the browser: blank keeps what is stored.
            keep = gettext_lazy("Leave blank to keep %(masked)s")
            if instance.phone_masked:
                self.fields["phone"].help_text = keep % {"masked": instance.phone_masked}
            if instance.id_masked:
                self.fields["id_number"].help_text = keep % {"masked": instance.id_masked}

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean_id_number(self):
        text = (self.cleaned_data.get("id_number") or "").strip()
        if not text:
            return None
        try:
            return parse_id_number(text)
        except IdNumberError as exc:
            raise forms.ValidationError(_("Not a valid ID number: %(reason)s") % {"reason": exc.message}) from None

    def apply(self) -> Cadre:
        """The instance with the form's values (numbers only where typed)."""
        d, cadre = self.cleaned_data, self.instance
        for name in ("kind", "name", "region_code", "unit", "position", "talent_type", "term_start", "term_end",
                     "notes"):
            setattr(cadre, name, d.get(name) if d.get(name) is not None else "")
        cadre.term_start, cadre.term_end = d.get("term_start"), d.get("term_end")
        if d.get("phone"):
            cadre.set_phone(d["phone"])
        if d.get("id_number") is not None:
            cadre.set_id(d["id_number"])
        return cadre


class AttendanceForm(forms.Form):
    month = forms.DateField(label=gettext_lazy("Month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput())
    days = forms.IntegerField(label=gettext_lazy("Days in the village"), min_value=0, max_value=31)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


class TrainingForm(forms.ModelForm):
    region_code = forms.ChoiceField(label=gettext_lazy("Organising region"))

    class Meta:
        model = Training
        fields = ["title", "topic", "organiser", "place", "starts_on", "ends_on", "hours"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        regions = regions_within(user, Region.Level.COUNTY, Region.Level.TOWNSHIP, Region.Level.VILLAGE)
        self.fields["region_code"].choices = [(r.code, r.name) for r in regions]
        if self.instance.pk:
            self.fields["region_code"].initial = self.instance.region_code

    def save(self, commit: bool = True) -> Training:
        training = super().save(commit=False)
        training.region_code = self.cleaned_data["region_code"]
        return training


class SettingsForm(forms.Form):
    max_households_per_contact = forms.IntegerField(label=gettext_lazy("Most households one contact holds"),
                                                    min_value=1, max_value=1000)
    min_days_per_year = forms.IntegerField(label=gettext_lazy("Least days a first secretary spends in the village "
                                                              "per year"), min_value=1, max_value=366)


class UnmaskForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for viewing the full numbers"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = " ".join((self.cleaned_data.get("reason") or "").split())
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason


class ChecksForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)

    def year_or(self, default: int) -> int:
        return (self.cleaned_data.get("year") if self.is_valid() else None) or default


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Register file (.xlsx, .xls or .csv)"))
    mode = forms.ChoiceField(label=gettext_lazy("What to do"), choices=UPLOAD_MODES, initial="validate",
                             widget=forms.RadioSelect)

    def clean_file(self):
        from .importer import ALLOWED_SUFFIXES

        return check_upload(self.cleaned_data.get("file"), ALLOWED_SUFFIXES)


def first_of_month(value: date) -> date:
    return value.replace(day=1)
