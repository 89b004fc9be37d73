"""The form of the monitoring-line page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MonitoringLine


class LineForm(forms.ModelForm):
    class Meta:
        model = MonitoringLine
        fields = ["year", "region_code", "amount", "basis", "document_number", "source", "carried_forward"]
        widgets = {"basis": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        # A line marked carried forward keeps the year before's; unticking it makes the amount the year's own.
        if data.get("carried_forward") and data.get("year") and not self.instance.carried_from_year:
            self.instance.carried_from_year = data["year"] - 1
        return data


class CarryForwardForm(forms.Form):
    """沿用上年标准: the year and region that keep the previous year's line, and the basis for it."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    region_code = forms.CharField(
        label=_("Region code"), max_length=6, required=False,
        help_text=_("Province (2 digits), prefecture (4) or county (6) code; empty for the national line."),
    )
    basis = forms.CharField(
        label=_("Basis"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The document or decision by which the previous year's line stays in force."),
    )
