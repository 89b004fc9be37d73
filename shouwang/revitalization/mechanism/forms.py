"""Forms of the normalised mechanism's pages: the county's settings of a year and a label decision."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.monitoring.models import Rule

from .models import DEFAULT_CONSECUTIVE_YEARS, DEFAULT_INCOME_MULTIPLE, LabelDecision


class TermForm(forms.Form):
    term = forms.CharField(label=_("Term of the monitored population"), max_length=40, required=False,
                           help_text=_("Empty: the default of the documents for the year."))
    basis = forms.CharField(label=_("Basis"), max_length=300, required=False)


class StandardForm(forms.Form):
    rules = forms.ModelMultipleChoiceField(
        label=_("Rules that count as the identification standard"), queryset=Rule.objects.order_by("code"),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None: screening runs the active rules, as before."),
    )
    note = forms.CharField(label=_("Basis and extra conditions"), required=False, widget=forms.Textarea(
        attrs={"rows": 2}))


class ExitSettingsForm(forms.Form):
    income_multiple = forms.DecimalField(label=_("Per-capita income at least this multiple of the line"),
                                         min_value=Decimal("0.01"), max_digits=5, decimal_places=2,
                                         initial=DEFAULT_INCOME_MULTIPLE)
    consecutive_years = forms.IntegerField(label=_("In each of this many consecutive years"), min_value=1,
                                           max_value=10, initial=DEFAULT_CONSECUTIVE_YEARS)
    require_no_open_case = forms.BooleanField(label=_("No open case"), required=False, initial=True)
    require_no_open_warning = forms.BooleanField(label=_("No open warning"), required=False, initial=True)
    basis = forms.CharField(label=_("Basis"), max_length=300, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=LabelDecision.choices, initial=LabelDecision.EXIT)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
