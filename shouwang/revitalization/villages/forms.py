"""The village pages' forms: a village's profile of a year, the county's threshold, the import upload."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.core.import_pages import UPLOAD_MODES, check_upload

from .models import VillageProfile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = VillageProfile
        fields = ["ex_poor", "slack", "weak_setting", "collective_income", "hardened_road", "tap_water", "broadband",
                  "clinic", "school", "note"]


class ThresholdForm(forms.Form):
    weak_threshold = forms.DecimalField(label=_("Weak collective economy below (yuan per year)"), max_digits=14,
                                        decimal_places=2, min_value=Decimal("0"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Village profiles file (.xlsx, .xls or .csv)"))
    mode = forms.ChoiceField(label=_("What to do"), choices=UPLOAD_MODES, initial="validate",
                             widget=forms.RadioSelect)

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"), (".xlsx", ".xls", ".csv"))
