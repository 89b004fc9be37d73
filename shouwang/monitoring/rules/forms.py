"""The form of the rule page: a rule's code, names, expression and parameters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import RiskType, Rule


class RuleForm(forms.ModelForm):
    parameters = forms.JSONField(
        label=gettext_lazy("Parameters"), required=False,
        help_text=gettext_lazy('Numbers the expression names, as JSON, e.g. {"drop": 0.3, "ratio": 1.5}.'),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "mono-input"}),
    )

    class Meta:
        model = Rule
        fields = ["code", "name_zh", "name_en", "risk_type", "severity", "expression", "parameters", "description",
                  "active"]
        widgets = {
            "expression": forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off",
                                                "class": "mono-input"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["risk_type"].choices = [("", _("None suggested"))] + list(RiskType.choices)
        if self.instance.pk:
            # Warnings cite the code: it stays what it was.
            self.fields["code"].disabled = True

    def clean_parameters(self):
        value = self.cleaned_data.get("parameters")
        return {} if value in (None, "") else value
