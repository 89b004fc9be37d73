"""The form of the screening page: which year, which part of the region."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.permissions import restrict
from shouwang.regions.models import Region
from shouwang.registry.models import HouseholdYear

from .permissions import SCREEN


class ScreeningForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False, empty_value=None)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        years = (HouseholdYear.objects.restrict(user, "view").order_by("-year").values_list("year", flat=True)
                 .distinct())
        self.fields["year"].choices = [("", _("Latest year recorded"))] + [(y, str(y)) for y in years]
        townships = Region.objects.filter(level=Region.Level.TOWNSHIP).only("code", "name")
        townships = restrict(user, townships, SCREEN.name)
        self.fields["region"].choices = [("", _("The whole region"))] + [(t.code, t.name) for t in townships]
