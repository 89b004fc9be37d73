"""Forms of the field-work pages, laid out for a village cadre's phone: a visit, a campaign."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from shouwang.regions.filters import labelled_villages
from shouwang.regions.models import Region

from . import services as fieldwork
from .models import Visit

GUARANTEE_FIELDS = (
    "food_secured",
    "clothing_secured",
    "education_secured",
    "medical_secured",
    "housing_secured",
    "water_secured",
)
EVENT_FIELDS = ("illness", "accident", "job_loss", "disaster")


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visited_on", *GUARANTEE_FIELDS, "income_estimate", *EVENT_FIELDS, "at_risk", "note"]
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "income_estimate": forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "decimal"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "income_estimate": gettext_lazy("Leave empty if you could not estimate it."),
            "note": gettext_lazy("Stored encrypted. Write what the verifier needs to know."),
        }

    def clean_income_estimate(self):
        value = self.cleaned_data.get("income_estimate")
        if value is not None and value < 0:
            raise forms.ValidationError(_("The income cannot be negative."))
        return value


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("thing", "Name"), max_length=200, initial=gettext_lazy("Concentrated screening")
    )
    basis = forms.CharField(label=gettext_lazy("Basis (document number)"), max_length=200, required=False)
    region = forms.ChoiceField(label=gettext_lazy("Region"))
    starts_on = forms.DateField(
        label=gettext_lazy("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.regions = {r.code: r for r in fieldwork.campaign_regions(user)}
        villages = [r for r in self.regions.values() if r.level == Region.Level.VILLAGE]
        labels = dict(labelled_villages(villages, [r for r in self.regions.values()
                                                   if r.level == Region.Level.TOWNSHIP]))
        self.fields["region"].choices = [
            (code, ("— " * max(0, len(code) // 3 - 2)) + labels.get(code, region.name))
            for code, region in self.regions.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return data
