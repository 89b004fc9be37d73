"""Spot-check forms: a new draw, its name, seed and rate per household class."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services as service
from .models import HouseholdClass


class DrawForm(forms.Form):
    """Rates are typed as percentages (1 = 1 %, 0.1 = 1 ‰); the seed may be given to redo a draw."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    seed = forms.IntegerField(label=gettext_lazy("Seed (leave empty for a new random draw)"), required=False,
                              min_value=0, max_value=2**62)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for cls, label in HouseholdClass.choices:
            self.fields[f"rate_{cls}"] = forms.DecimalField(
                label=_("%(class)s: rate in %%") % {"class": label}, min_value=Decimal(0), max_value=Decimal(100),
                decimal_places=3, initial=service.DEFAULT_RATES[cls] * 100,
            )

    def rate_fields(self):
        return [self[f"rate_{cls}"] for cls in HouseholdClass.values]

    def rates(self) -> dict[str, Decimal]:
        return {cls: self.cleaned_data[f"rate_{cls}"] / 100 for cls in HouseholdClass.values}
