"""The draft form: the county's line of a year, one screening rule's rule and parameters, one policy's
eligibility and amount. The API takes any number of each (``Scenario.changes``)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.monitoring.rules.models import Rule

from ..policies.models import Policy


def _json_object(text: str, label) -> dict | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise forms.ValidationError(_("%(field)s must be written as JSON, e.g. {\"drop\": 0.3}.")
                                    % {"field": label}) from None
    if not isinstance(value, dict):
        raise forms.ValidationError(_("%(field)s must be written as JSON, e.g. {\"drop\": 0.3}.") % {"field": label})
    return value


class DraftForm(forms.Form):
    name = forms.CharField(label=_("Name of the scenario"), max_length=200, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    line_amount = forms.DecimalField(
        label=_("The county's monitoring line (yuan per person per year)"), required=False, min_value=1,
        max_digits=10, decimal_places=2,
        help_text=_("Leave empty to keep the line in force."),
    )
    rule = forms.ModelChoiceField(label=_("Screening rule to change"), queryset=Rule.objects.order_by("code"),
                                  required=False)
    rule_expression = forms.CharField(
        label=_("Rule"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
        help_text=_("Leave empty to keep the rule's own condition."),
    )
    rule_parameters = forms.CharField(
        label=_("Parameters of the rule (JSON)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
        help_text=_("Leave empty to keep the rule's own parameters, e.g. {\"drop\": 0.2, \"line_multiple\": 1.5}."),
    )
    rule_active = forms.BooleanField(label=_("The rule runs"), required=False, initial=True)
    policy = forms.ModelChoiceField(label=_("Policy to change"), queryset=Policy.objects.none(), required=False)
    policy_expression = forms.CharField(
        label=_("Eligibility"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
        help_text=_("Leave empty to keep the policy's own eligibility."),
    )
    policy_parameters = forms.CharField(
        label=_("Parameters of the eligibility (JSON)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
    )
    policy_amount = forms.DecimalField(label=_("Amount per subject per year (yuan)"), required=False, min_value=0,
                                       max_digits=12, decimal_places=2)

    def __init__(self, *args, county: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.county = county
        self.fields["policy"].queryset = Policy.objects.filter(region_code__startswith=county or "-").order_by("code")

    def clean(self):
        data = super().clean()
        changes: dict = {}
        if data.get("line_amount") is not None:
            changes["lines"] = [{"region_code": self.county[:6], "amount": str(data["line_amount"])}]
        rule = data.get("rule")
        if rule is not None:
            parameters = _json_object(data.get("rule_parameters", ""), self.fields["rule_parameters"].label)
            changes["rules"] = [{
                "rule": rule.pk, "expression": (data.get("rule_expression") or "").strip() or rule.expression,
                "parameters": rule.parameters if parameters is None else parameters,
                "active": bool(data.get("rule_active")),
            }]
        policy = data.get("policy")
        if policy is not None:
            change: dict = {"policy": policy.pk}
            if (data.get("policy_expression") or "").strip():
                change["expression"] = data["policy_expression"].strip()
            parameters = _json_object(data.get("policy_parameters", ""), self.fields["policy_parameters"].label)
            if parameters is not None:
                change["parameters"] = parameters
            if data.get("policy_amount") is not None:
                change["amount"] = str(data["policy_amount"])
            changes["policies"] = [change]
        if not changes:
            raise forms.ValidationError(_("The draft changes nothing: change a line, a rule or a policy."))
        data["changes"] = changes
        return data


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("First scenario"))
    b = forms.IntegerField(label=_("Second scenario"))
