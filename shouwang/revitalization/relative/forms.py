"""The form that sets a county's shares of the median for a year."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import clean_shares


class SharesForm(forms.Form):
    county = forms.CharField(widget=forms.HiddenInput, max_length=6)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    shares = forms.CharField(
        label=_("Shares of the median (percent)"), max_length=60,
        help_text=_("Whole percentages separated by commas, e.g. 40, 50."),
    )
    note = forms.CharField(label=_("Basis"), required=False, max_length=500)

    def clean_shares(self) -> list[int]:
        parts = [part for part in re.split(r"[\s,，、;；]+", self.cleaned_data["shares"]) if part]
        try:
            return clean_shares(parts)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("shares", exc.messages)) from None
