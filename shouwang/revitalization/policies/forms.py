"""The policy form: what the policy is, its benefit, its period and its eligibility rule with parameters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from shouwang.cases.catalogue.models import MeasureType

from .models import Policy

FIELDS = ["code", "name_zh", "name_en", "department", "legal_basis", "continuity", "kind", "start_date", "end_date",
          "subject", "amount", "amount_verified", "benefit_form", "measure_type", "source", "source_url",
          "expression", "parameters", "description", "active"]


class PolicyForm(forms.ModelForm):
    parameters = forms.JSONField(
        label=gettext_lazy("Parameters"), required=False,
        help_text=gettext_lazy("Numbers the eligibility rule names, as JSON: each name in double quotes, a colon and "
                               "its number, separated by commas, between braces."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "mono-input"}),
    )

    class Meta:
        model = Policy
        fields = FIELDS
        widgets = {
            "expression": forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off",
                                                "class": "mono-input"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "expression": gettext_lazy("A condition in the rule language over the facts listed below, e.g. "
                                       "age >= 60 and dibao. A person policy may use the member's facts."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        measure = self.fields["measure_type"]
        assert isinstance(measure, forms.ModelChoiceField)
        measure.queryset = MeasureType.objects.filter(active=True).order_by("sort")
        if self.instance.pk:
            self.fields["code"].disabled = True  # enrolments and gaps cite it

    def clean_parameters(self):
        value = self.cleaned_data.get("parameters")
        return {} if value in (None, "") else value
