"""The village pages' forms: a village's profile of a year, and the county's threshold."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import VillageProfile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = VillageProfile
        fields = ["ex_poor", "slack", "weak_setting", "collective_income", "hardened_road", "tap_water", "broadband",
                  "clinic", "school", "note"]


class ThresholdForm(forms.Form):
    weak_threshold = forms.DecimalField(label=_("Weak collective economy below (yuan per year)"), max_digits=14,
                                        decimal_places=2, min_value=Decimal("0"))
