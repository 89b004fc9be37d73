"""The form of a public notice: which cases, from when, for how long, and who hears objections."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.cases.casefiles.forms import DateInput, LateEntryForm, clean_text
from shouwang.cases.casefiles.models import Case

# An 11-digit mobile number or an 18-character ID number: neither belongs on a public notice.
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")


class NoticeCaseField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Case) -> str:
        head = getattr(obj, "head_name", "") or ""
        return f"{obj.household.number} {head}".strip()


class NoticeForm(LateEntryForm):
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
        today = self.today
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today + timedelta(days=min_days - 1)

    def clean_contact(self) -> str:
        contact = clean_text(self.cleaned_data["contact"])
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
