"""Household page forms: the GET search and filters, the full-ID search by POST, the unmask reason.

A search that looks like a whole ID number is refused in the GET form: the full number belongs
in the POST form (matched through the blind index), never in a URL.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.idnumbers import IdNumberError, parse_id_number
from shouwang.regions.models import Region

from .models import HouseholdType

# A GET search that looks like a whole ID number (15 or 18 characters) is refused: the full
# number belongs in the POST form, never in a URL, a log line or the browser history.
_LOOKS_LIKE_ID = re.compile(r"\d{14}[\dX]|\d{17}[\dX]")


def looks_like_full_id(text: str) -> bool:
    folded = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    return bool(_LOOKS_LIKE_ID.fullmatch(folded))


def _scope_regions(user) -> list[Region]:
    """Townships and villages inside the user's region, for the filter selects (one query)."""
    prefix = user.scope_prefix if user.can("view") else None
    if not prefix:
        return []
    levels = [Region.Level.TOWNSHIP, Region.Level.VILLAGE]
    regions = Region.objects.filter(code__startswith=prefix, level__in=levels)
    return list(regions.only("code", "name", "level", "parent_code").order_by("code"))


class HouseholdFilterForm(forms.Form):
    """The GET search and filters; the region selects offer only regions in the user's scope."""

    q = forms.CharField(
        label=gettext_lazy("Household number, name or last digits of an ID number"),
        required=False, max_length=60,
    )
    township = forms.ChoiceField(label=gettext_lazy("Township"), required=False)
    village = forms.ChoiceField(label=gettext_lazy("Village"), required=False)
    household_type = forms.ChoiceField(label=gettext_lazy("Household type"), required=False)

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any):
        super().__init__(*args, **kwargs)
        townships = [r for r in regions if r.level == Region.Level.TOWNSHIP]
        names = {r.code: r.name for r in townships}
        grouped: dict[str, list[tuple[str, str]]] = {}
        for r in regions:
            if r.level == Region.Level.VILLAGE:
                grouped.setdefault(r.parent_code, []).append((r.code, r.name))
        self.fields["township"].choices = [("", _("All townships"))] + [(r.code, r.name) for r in townships]
        village_choices: list[Any] = [("", _("All villages"))]
        if len(grouped) > 1:
            village_choices += [(names.get(code, code), items) for code, items in grouped.items()]
        else:
            village_choices += [item for items in grouped.values() for item in items]
        self.fields["village"].choices = village_choices
        self.fields["household_type"].choices = [("", _("All types"))] + list(HouseholdType.choices)
        self.show_township = len(townships) > 1
        self.show_village = sum(len(v) for v in grouped.values()) > 1

    def clean_q(self) -> str:
        q = " ".join(self.cleaned_data["q"].split())
        if looks_like_full_id(q):
            raise forms.ValidationError(_("To search by a full ID number, use the ID number search below."))
        return q


class IdSearchForm(forms.Form):
    """A full ID number, sent by POST and matched through the blind index."""

    id_number = forms.CharField(
        label=gettext_lazy("Full ID number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )

    def clean_id_number(self) -> str:
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except IdNumberError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for viewing the full numbers"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason
