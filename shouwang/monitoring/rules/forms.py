"""The form of the rule page: a rule's code, names and condition (built from a fact, a comparison
and a value, or written as an expression) and parameters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .facts import FACTS, NUMBER
from .models import RiskType, Rule
from .wording import COMPARISONS, compose_simple, fact_label, parse_simple

SIMPLE, EXPRESSION = "simple", "expression"
SIMPLE_FIELDS = ("mode", "simple_fact", "simple_comparison", "simple_value", "simple_other")


class RuleForm(forms.ModelForm):
    mode = forms.ChoiceField(
        label=gettext_lazy("How the condition is given"), initial=SIMPLE, widget=forms.RadioSelect, required=False,
        choices=[(SIMPLE, gettext_lazy("A fact, a comparison and a value")),
                 (EXPRESSION, gettext_lazy("An expression (and, or, not, arithmetic)"))],
    )
    simple_fact = forms.ChoiceField(label=gettext_lazy("Fact"), required=False)
    simple_comparison = forms.ChoiceField(
        label=gettext_lazy("Comparison"), required=False,
        choices=[("", gettext_lazy("(choose)"))] + [(code, label) for code, label in COMPARISONS.items()],
    )
    simple_value = forms.CharField(
        label=gettext_lazy("Value"), required=False, max_length=200,
        help_text=gettext_lazy("A number (yuan for money; a change as a fraction: -0.3 is a drop of 30 %); "
                               "for a grade, letters separated by commas. With a fact to compare with, "
                               "the factor of that fact (empty: 1)."),
    )
    simple_other = forms.ChoiceField(label=gettext_lazy("Compared with"), required=False)
    parameters = forms.JSONField(
        label=gettext_lazy("Parameters"), required=False,
        help_text=gettext_lazy("Numbers the expression names, as JSON: each name in double quotes, a colon and "
                               "its number, separated by commas, between braces."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "mono-input"}),
    )

    field_order = ["code", "name_zh", "name_en", "risk_type", "severity", *SIMPLE_FIELDS, "expression", "parameters",
                   "description", "active"]

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
        self.fields["expression"].required = False  # required in expression mode (clean)
        self.fields["simple_fact"].choices = [("", _("(choose)"))] + [(name, fact_label(name)) for name in FACTS]
        self.fields["simple_other"].choices = [("", _("the value itself"))] + [
            (name, fact_label(name)) for name, fact in FACTS.items() if fact.type == NUMBER
        ]
        if self.instance.pk:
            # Warnings cite the code: it stays what it was.
            self.fields["code"].disabled = True
        if not self.is_bound:
            simple = parse_simple(self.instance.expression) if self.instance.expression else {}
            if simple is None:
                self.initial["mode"] = EXPRESSION
            else:
                self.initial.update({"mode": SIMPLE, **{f"simple_{k}": v for k, v in simple.items()}})

    def simple_fields(self) -> list:
        return [self[name] for name in SIMPLE_FIELDS[1:]]

    def other_fields(self) -> list:
        return [field for field in self if field.name not in SIMPLE_FIELDS]

    def clean_parameters(self):
        value = self.cleaned_data.get("parameters")
        return {} if value in (None, "") else value

    def clean(self):
        cleaned = super().clean()
        # Without a mode (an older form, a script): an expression given is the condition.
        mode = cleaned.get("mode") or (EXPRESSION if (cleaned.get("expression") or "").strip() else SIMPLE)
        if mode == SIMPLE:
            try:
                cleaned["expression"] = compose_simple(
                    cleaned.get("simple_fact", ""), cleaned.get("simple_comparison", ""),
                    cleaned.get("simple_value", ""), cleaned.get("simple_other", ""),
                )
            except ValueError as exc:
                self.add_error("simple_value" if cleaned.get("simple_fact") else "simple_fact", str(exc))
        elif not (cleaned.get("expression") or "").strip():
            self.add_error("expression", _("Write the condition, or build it from a fact, a comparison and a value."))
        return cleaned
