"""The form of the monitoring-line page."""

from __future__ import annotations

from django import forms

from .models import MonitoringLine


class LineForm(forms.ModelForm):
    class Meta:
        model = MonitoringLine
        fields = ["year", "region_code", "amount", "basis", "document_number", "source"]
        widgets = {"basis": forms.Textarea(attrs={"rows": 3})}
