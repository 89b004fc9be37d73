"""Household page forms: the full-ID search by POST, the unmask reason.

The GET search and filters are the household list's filter (:mod:`.filters`); a search that
looks like a whole ID number is refused there: the full number belongs in the POST form
(matched through the blind index), never in a URL.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.idnumbers import IdNumberError, parse_id_number

# A GET search that looks like a whole ID number (15 or 18 characters with a birth date where an ID
# has one) is refused: the full number belongs in the POST form, never in a URL, a log line or the
# browser history. A national household number (户编号) of 18 digits has no date there: it is searched.
_MONTH_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_LOOKS_LIKE_ID = re.compile(rf"\d{{6}}(?:(?:18|19|20)\d\d{_MONTH_DAY}\d{{3}}[\dX]|\d\d{_MONTH_DAY}\d{{2}}[\dX])")


def looks_like_full_id(text: str) -> bool:
    folded = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    return bool(_LOOKS_LIKE_ID.fullmatch(folded))


def without_full_id(request: HttpRequest, message: str) -> HttpResponse | None:
    """A list page's answer to a whole ID number typed into its GET search: the same page without
    it (so no link, log line or language switch carries it on) and ``message``; None otherwise."""
    if not looks_like_full_id(request.GET.get("q", "")):
        return None
    messages.warning(request, message)
    rest = request.GET.copy()
    del rest["q"]
    return redirect(f"{request.path}?{rest.urlencode()}" if rest else request.path)


class SearchForm(forms.Form):
    """A list filter's form: a typed search is tidied, and a whole ID number refused with
    ``full_id_refusal``."""

    full_id_refusal: Any = gettext_lazy("To search by a full ID number, use the ID number search below.")

    def clean_q(self) -> str:
        q = " ".join((self.cleaned_data.get("q") or "").split())
        if looks_like_full_id(q):
            raise forms.ValidationError(self.full_id_refusal)
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
