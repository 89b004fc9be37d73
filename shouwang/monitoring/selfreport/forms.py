"""Forms of the self-reports: the public report form (checked before the registry is consulted) and
the staff queue's link and dismiss forms."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.idnumbers import IdNumber, IdNumberError, parse_id_number
from shouwang.regions.filters import village_label
from shouwang.regions.models import Region

from ..rules.models import RiskType
from . import services

ADULT_AGE = 18
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")


def normalise_phone(value: str) -> str:
    """Digits only: full-width digits folded, spaces and dashes dropped, a leading +86 removed."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split())
    text = text.replace("-", "").replace("(", "").replace(")", "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def clean_phone(value: str, required: bool = True) -> str:
    phone = normalise_phone(value)
    if not phone and not required:
        return ""
    if not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise forms.ValidationError(
            _("Enter an 11-digit mobile number, or a landline number with its area code."), code="phone")
    return phone


def clean_id(value: str) -> IdNumber:
    try:
        return parse_id_number(value)
    except IdNumberError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


def village_choices() -> tuple[list[tuple[str, str]], list[Any], dict[str, str]]:
    """Townships, villages grouped by township (an optgroup each, each labelled "township · village"
    so that the chosen one is clear on its own), and each village's township."""
    regions = list(
        Region.objects.filter(level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE])
        .only("code", "name", "level", "parent_code").order_by("code")
    )
    townships = [(r.code, r.name) for r in regions if r.level == Region.Level.TOWNSHIP]
    names = dict(townships)
    grouped: dict[str, list[tuple[str, str]]] = {}
    parent: dict[str, str] = {}
    for r in regions:
        if r.level == Region.Level.VILLAGE:
            township = r.code[:9]
            grouped.setdefault(township, []).append((r.code, village_label(r.name, names.get(township, ""))))
            parent[r.code] = township
    villages = [(names.get(code, code), items) for code, items in grouped.items()]
    return townships, villages, parent


class SelfReportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    township = forms.ChoiceField(label=gettext_lazy("Township"), required=False)
    village = forms.ChoiceField(label=gettext_lazy("Village"))
    risk_type = forms.ChoiceField(label=gettext_lazy("Kind of difficulty"))
    description = forms.CharField(
        label=gettext_lazy("What has happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("For example: who is ill and since when, what was lost, what help you need."),
    )
    guardian_name = forms.CharField(
        label=gettext_lazy("Parent's or guardian's name"), max_length=60, required=False
    )
    guardian_id_number = forms.CharField(
        label=gettext_lazy("Parent's or guardian's ID number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    guardian_phone = forms.CharField(
        label=gettext_lazy("Parent's or guardian's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I have read the notice on personal information above and agree that my report, "
            "including any health details in it, is processed for this purpose."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        townships, villages, self.village_township = village_choices()
        self.fields["township"].choices = [("", _("All townships"))] + townships
        self.fields["village"].choices = [("", _("Choose your village"))] + villages
        self.fields["risk_type"].choices = [("", _("Choose one"))] + list(RiskType.choices)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean_id_number(self) -> IdNumber:
        return clean_id(self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError(_("Describe the difficulty in a few words."))
        return text

    def clean_guardian_name(self) -> str:
        return " ".join(self.cleaned_data.get("guardian_name", "").split())

    def clean_guardian_id_number(self) -> IdNumber | None:
        value = self.cleaned_data.get("guardian_id_number", "")
        return clean_id(value) if value.strip() else None

    def clean_guardian_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("guardian_phone", ""), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        village, township = data.get("village"), data.get("township")
        if village and township and self.village_township.get(village) != township:
            self.add_error("village", _("This village is not in the township chosen."))
        person: IdNumber | None = data.get("id_number")
        guardian: IdNumber | None = data.get("guardian_id_number")
        if person is not None and person.under_14:
            missing = [
                name
                for name in ("guardian_name", "guardian_id_number", "guardian_phone")
                if not data.get(name) and name not in self.errors
            ]
            for name in missing:
                self.add_error(name, _("Required for a child under 14."))
            if missing:
                raise forms.ValidationError(
                    _(
                        "The ID number shows a child under 14. A parent or guardian must make the report and "
                        "give their own name, ID number and phone."
                    ),
                    code="minor",
                )
        if guardian is not None:
            if person is not None and guardian.number == person.number:
                self.add_error("guardian_id_number", _("Enter the parent's or guardian's own ID number."))
            elif guardian.age < ADULT_AGE:
                self.add_error("guardian_id_number", _("A parent or guardian must be an adult."))
        return data

    def to_data(self) -> services.SelfReportData:
        data = self.cleaned_data
        return services.SelfReportData(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            village=Region.objects.get(code=data["village"]),
            risk_type=data["risk_type"],
            description=data["description"],
            guardian_name=data["guardian_name"],
            guardian_id_number=data["guardian_id_number"],
            guardian_phone=data["guardian_phone"],
        )


class LinkForm(forms.Form):
    household = forms.CharField(
        label=gettext_lazy("Household number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Leave empty to look the ID number up in the registry again."),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
