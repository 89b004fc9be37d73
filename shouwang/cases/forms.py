"""Forms of the case pages: they check what the user typed; the workflow decides what may happen.

Every choice a form offers (villages, households, cases, members) comes from querysets the
view has already passed through ``restrict``, so a form cannot reach outside the user's region.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.regions.models import Region
from shouwang.registry.models import Member

from .models import (
    AttachmentKind, Case, CaseStatus, Category, EliminationMode, MeasureStatus, MeasureType, RiskType,
)
from .workflow import MAX_REASON, MAX_RISK_TYPES, MAX_UPLOAD_BYTES

# The signed authorisation is a scan or a photo: PDF, JPEG or PNG, recognised by their first
# bytes as well as their name, so a renamed executable is refused.
ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
# An 11-digit mobile number or an 18-character ID number: neither belongs on a public notice.
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _clean_text(value: str) -> str:
    return " ".join((value or "").split())


# --- the list -----------------------------------------------------------------------------------

STATUS_FILTERS: dict[str, Any] = {
    "open": gettext_lazy("Open (identifying, monitored or eliminating)"),
    "overdue": gettext_lazy("Overdue"),
    **{value: label for value, label in CaseStatus.choices},
    "all": gettext_lazy("All"),
}


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Household number or head's name"), required=False, max_length=60)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    village = forms.ChoiceField(label=gettext_lazy("Village"), required=False)

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = list(STATUS_FILTERS.items())
        self.fields["category"].choices = [("", _("All categories"))] + list(Category.choices)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.code, v.name) for v in villages]
        self.show_village = len(villages) > 1

    def clean_q(self) -> str:
        return _clean_text(self.cleaned_data["q"])


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


# --- acting on a case -----------------------------------------------------------------------------


class ActionForm(forms.Form):
    action = forms.CharField(max_length=40)
    step = forms.CharField(max_length=20, required=False)
    mode = forms.ChoiceField(choices=[("", "")] + list(EliminationMode.choices), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason or note"), required=False, max_length=MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        return (self.cleaned_data.get("reason") or "").strip()


def check_attachment(uploaded) -> Any:
    """PDF, JPEG or PNG, at most 10 MB, and the file's first bytes must agree with its name."""
    if uploaded is None:
        return uploaded
    suffix = Path(uploaded.name or "").suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise forms.ValidationError(_("Upload a PDF, JPG or PNG file."))
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("The file is larger than %(limit)d MB.") % {
            "limit": MAX_UPLOAD_BYTES // (1024 * 1024)})
    head = uploaded.read(16)
    uploaded.seek(0)
    if not any(head.startswith(magic) for magic in ATTACHMENT_TYPES[suffix]):
        raise forms.ValidationError(_("The file's content is not a %(type)s file.") % {"type": suffix[1:].upper()})
    return uploaded


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What it is"), choices=AttachmentKind.choices,
                             initial=AttachmentKind.AUTHORISATION)
    file = forms.FileField(label=gettext_lazy("File (PDF, JPG or PNG, at most 10 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def clean_file(self):
        return check_attachment(self.cleaned_data.get("file"))


# --- assistance ------------------------------------------------------------------------------------


class MeasureForm(forms.Form):
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
        """The measure as ``workflow.perform(..., "add_measure", data=...)`` takes it."""
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
        }


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    unit = forms.CharField(label=gettext_lazy("Work unit"), required=False, max_length=200)
    position = forms.CharField(label=gettext_lazy("Position"), required=False, max_length=100)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    starts_on = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())

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
        }


class UnmaskForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for viewing the full numbers"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = _clean_text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason


# --- public notices --------------------------------------------------------------------------------


class NoticeCaseField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Case) -> str:
        head = getattr(obj, "head_name", "") or ""
        return f"{obj.household.number} {head}".strip()


class NoticeForm(forms.Form):
    """A notice for one village: which cases, from when, for how long, and who hears objections."""

    cases = NoticeCaseField(label=gettext_lazy("Cases on the notice"), queryset=Case.objects.none())
    starts_on = forms.DateField(label=gettext_lazy("Posted from"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Posted until (inclusive)"), widget=DateInput())
    contact = forms.CharField(
        label=gettext_lazy("Objections to"), max_length=200,
        help_text=gettext_lazy("Who hears objections: the village committee's office or an office landline. "
                               "Never a personal mobile or ID number: the notice is public."),
    )

    def __init__(self, *args: Any, cases, min_days: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.min_days = min_days
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today + timedelta(days=min_days - 1)

    def clean_contact(self) -> str:
        contact = _clean_text(self.cleaned_data["contact"])
        if _ID_LIKE.search(contact):
            raise forms.ValidationError(_("An ID number must not appear on a public notice."))
        if _MOBILE.search(contact):
            raise forms.ValidationError(_("A personal mobile number must not appear on a public notice; "
                                          "give an office or landline number."))
        return contact

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends:
            days = (ends - starts).days + 1
            if days < self.min_days:
                self.add_error("ends_on", _(
                    "A public notice must be posted for at least %(min)d days; this one is %(days)d."
                ) % {"min": self.min_days, "days": days})
        return data
