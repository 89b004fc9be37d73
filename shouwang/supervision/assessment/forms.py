"""Assessment forms: the county and period a page shows, and the county's indicator weights."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from shouwang.regions.models import Region

from . import services as assessment
from .indicators import INDICATORS


class PeriodForm(forms.Form):
    county = forms.ChoiceField(label=gettext_lazy("County"), required=False)
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, counties: list[Region], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(c.code, c.name) for c in counties]
        self.show_county = len(counties) > 1

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end"):
            try:
                assessment.validate_period(data["start"], data["end"])
            except ValidationError as exc:
                self.add_error("end", exc)
        return data


class WeightsForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Reason for the change"), required=False, max_length=assessment.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, initial_weights: dict[str, float], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for code, spec in INDICATORS.items():
            self.fields[f"w_{code}"] = forms.DecimalField(
                label=spec.name, min_value=0, max_value=assessment.MAX_WEIGHT, decimal_places=2, max_digits=7,
                initial=initial_weights.get(code, 0), required=True,
            )
        self.order_fields([f"w_{code}" for code in INDICATORS] + ["note"])

    def weights(self) -> dict[str, float]:
        return {code: float(self.cleaned_data[f"w_{code}"]) for code in INDICATORS}
