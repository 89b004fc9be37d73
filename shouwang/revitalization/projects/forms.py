"""Project library forms: a proposal, a review or decision, funds, a disbursement, a household reached,
the county's target, the import upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from shouwang.core.import_pages import UPLOAD_MODES, check_upload
from shouwang.regions.filters import labelled_villages

from . import services as service
from .models import BenefitKind, FundSource, Goal, ProjectCategory

MONEY = {"min_value": 0, "max_digits": 14, "decimal_places": 2}


class ProposalForm(forms.Form):
    village = forms.ChoiceField(label=gettext_lazy("Lead village"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=gettext_lazy("Project name"), max_length=200)
    goal = forms.ChoiceField(label=gettext_lazy("Goal"), choices=Goal.choices)
    category = forms.ChoiceField(label=gettext_lazy("Project category"), choices=ProjectCategory.choices)
    budget = forms.DecimalField(label=gettext_lazy("Budget (yuan)"), **MONEY)
    villages = forms.MultipleChoiceField(label=gettext_lazy("Further villages it covers"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=gettext_lazy("What it builds or does"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    linkage = forms.CharField(label=gettext_lazy("How it links to households (联农带农)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        own = service.proposable_villages(user)
        self.fields["village"].choices = [(v.code, v.name) for v in own]
        others = list(service.township_villages(own[0].code)) if own else []
        self.fields["villages"].choices = labelled_villages([v for v in others if v.code not in {o.code for o in own}])
        self.fields["year"].initial = service.today().year + 1


class StepForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("pass", gettext_lazy("Pass")), ("reject", gettext_lazy("Reject"))],
                                widget=forms.RadioSelect, label=gettext_lazy("Outcome"))
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=service.MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 3}))


class FundsForm(forms.Form):
    def __init__(self, *args: Any, initial_amounts: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for source, label in FundSource.choices:
            self.fields[source] = forms.DecimalField(label=label, required=False, **MONEY,
                                                     initial=(initial_amounts or {}).get(source))


class DisbursementForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("Date"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              initial=timezone.localdate)
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), **MONEY)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


class BeneficiaryForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("Household number"), max_length=40)
    kind = forms.ChoiceField(label=gettext_lazy("How it benefits"), choices=BenefitKind.choices)
    amount = forms.DecimalField(label=gettext_lazy("Amount per household (yuan)"), required=False, **MONEY)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


class TargetForm(forms.Form):
    target = forms.DecimalField(label=gettext_lazy("Target share of linkage funds for industry (%)"),
                                min_value=0, max_value=100, max_digits=5, decimal_places=2)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Project file (.xlsx, .xls or .csv)"))
    mode = forms.ChoiceField(label=gettext_lazy("What to do"), choices=UPLOAD_MODES, initial="validate",
                             widget=forms.RadioSelect)

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"), (".xlsx", ".xls", ".csv"))


class BeneficiaryImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Household file (.xlsx, .xls or .csv)"))
    mode = forms.ChoiceField(label=gettext_lazy("What to do"), choices=UPLOAD_MODES, initial="validate",
                             widget=forms.RadioSelect)

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"), (".xlsx", ".xls", ".csv"))
