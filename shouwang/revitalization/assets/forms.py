"""The asset pages' forms: a new asset, a condition check, a year's income, a disposal and its decision."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.import_pages import UPLOAD_MODES, check_upload
from shouwang.core.permissions import restrict
from shouwang.regions.filters import regions_within, village_choices
from shouwang.regions.models import Region
from shouwang.registry.models import Household

from ..projects.models import Project
from .models import AssetClass, AssetCondition, AssetStatus, DisposalKind

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class AssetForm(forms.Form):
    number = forms.CharField(label=_("Asset number"), max_length=40)
    name = forms.CharField(label=_("Asset name"), max_length=200)
    asset_class = forms.ChoiceField(label=_("Asset class"), choices=AssetClass.choices)
    region = forms.ChoiceField(label=_("Located in"))
    project = forms.IntegerField(label=_("Project number (optional)"), required=False, min_value=1,
                                 help_text=_("Leave empty for an asset recorded before the project library."))
    kind = forms.CharField(label=_("Kind"), max_length=100, required=False)
    quantity = forms.CharField(label=_("Quantity"), max_length=60, required=False)
    formed_year = forms.IntegerField(label=_("Year formed"), required=False, min_value=2000, max_value=2100)
    value = forms.DecimalField(label=_("Value (yuan)"), **MONEY)
    owner = forms.CharField(label=_("Owner"), max_length=200)
    manager = forms.CharField(label=_("Manager"), max_length=200, required=False)
    handover_date = forms.DateField(label=_("Handover date"), required=False, widget=DATE)
    household = forms.CharField(label=_("Household number (assets given to households)"), max_length=40,
                                required=False)
    status = forms.ChoiceField(label=_("Status"), choices=AssetStatus.choices, initial=AssetStatus.IN_USE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = regions_within(user, Region.Level.TOWNSHIP, Region.Level.VILLAGE)
        townships = [r for r in regions if r.level == Region.Level.TOWNSHIP]
        villages = [r for r in regions if r.level == Region.Level.VILLAGE]
        self.fields["region"].choices = village_choices(villages, townships) + [(r.code, r.name) for r in townships]

    def clean_region(self) -> Region:
        region = restrict(self.user, Region.objects.all(), "view").filter(code=self.cleaned_data["region"]).first()
        if region is None:
            raise forms.ValidationError(_("Choose a region of yours."))
        return region

    def clean_project(self) -> Project | None:
        pk = self.cleaned_data.get("project")
        if pk is None:
            return None
        project = restrict(self.user, Project.objects.all(), "view").filter(pk=pk).first()
        if project is None:
            raise forms.ValidationError(_("No project with this number in your region."))
        return project

    def clean_household(self) -> Household | None:
        number = (self.cleaned_data.get("household") or "").strip()
        if not number:
            return None
        household = restrict(self.user, Household.objects.all(), "view").filter(number=number).first()
        if household is None:
            raise forms.ValidationError(_("No household with this number in your region."))
        return household


class CheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE, initial=timezone.localdate)
    checked_by = forms.CharField(label=_("Checked by"), max_length=100)
    result = forms.ChoiceField(label=_("Result"), choices=AssetCondition.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class IncomeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100,
                              initial=lambda: timezone.localdate().year)
    income = forms.DecimalField(label=_("Income (yuan)"), **MONEY)
    to_collective = forms.DecimalField(label=_("To the village collective (yuan)"), initial=0, **MONEY)
    to_households = forms.DecimalField(label=_("To households (yuan)"), initial=0, **MONEY)
    to_monitored = forms.DecimalField(label=_("To monitored households (yuan)"), initial=0, **MONEY)
    households_reached = forms.IntegerField(label=_("Households reached"), min_value=0, initial=0)
    monitored_reached = forms.IntegerField(label=_("Monitored households reached"), min_value=0, initial=0)


class DisposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of disposal"), choices=DisposalKind.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    amount = forms.DecimalField(label=_("Proceeds (yuan)"), initial=0, **MONEY)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", _("Approve")), ("refuse", _("Refuse"))))
    note = forms.CharField(label=_("Decision note (required to refuse)"), max_length=300, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Asset ledger file (.xlsx, .xls or .csv)"))
    mode = forms.ChoiceField(label=_("What to do"), choices=UPLOAD_MODES, initial="validate",
                             widget=forms.RadioSelect)

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"), (".xlsx", ".xls", ".csv"))
