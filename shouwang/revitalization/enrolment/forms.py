"""The by-hand enrolment form (the household is chosen first, then one of its members)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..policies.models import Policy


class FindHouseholdForm(forms.Form):
    household = forms.CharField(label=_("Household number"), max_length=40)


class EnrolmentForm(forms.Form):
    policy = forms.ModelChoiceField(queryset=Policy.objects.none(), label=_("Policy"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    member = forms.ChoiceField(label=_("Member (for a person policy)"), required=False)
    starts_on = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount paid (yuan)"), required=False, min_value=0, max_digits=12,
                                decimal_places=2)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, household=None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        county = household.region_code[:6] if household is not None else ""
        policy_field = cast(forms.ModelChoiceField, self.fields["policy"])
        policy_field.queryset = Policy.objects.filter(active=True, region_code__in=["", county]).order_by("code")
        members = list(household.members.order_by("pk").values_list("pk", "name")) if household else []
        cast(forms.ChoiceField, self.fields["member"]).choices = [("", "—"), *((str(pk), name) for pk, name in members)]
        self.household = household

    def member_object(self):
        pk = self.cleaned_data.get("member")
        return self.household.members.filter(pk=int(pk)).first() if pk and self.household else None
