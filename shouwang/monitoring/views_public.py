"""The public self-report page (农户自主申报): no account, a phone, and nothing to learn from it.

Whatever the registry holds, a valid submission ends in the same redirect to the same thank-you
page; every message the page can show is decided before the registry is consulted (form
checks and rate limits). The form is CSRF-protected like every other POST, and the pages are
never cached, since they carry a person's details.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from shouwang.core.idnumbers import IdNumber, IdNumberError, parse_id_number
from shouwang.regions.models import Region

from . import fieldwork
from .models import RiskType

ADULT_AGE = 18
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")


def normalise_phone(value: str) -> str:
    """Digits only: full-width digits folded, spaces and dashes dropped, a leading +86 removed."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split())
    text = text.replace("-", "").replace("(", "").replace(")", "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def clean_phone(value: str, required: bool = True) -> str:
    phone = normalise_phone(value)
    if not phone and not required:
        return ""
    if not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise forms.ValidationError(
            _("Enter an 11-digit mobile number, or a landline number with its area code."), code="phone")
    return phone


def clean_id(value: str) -> IdNumber:
    try:
        return parse_id_number(value)
    except IdNumberError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


def village_choices() -> tuple[list[tuple[str, str]], list[Any], dict[str, str]]:
    """Townships, villages grouped by township (an optgroup each), and each village's township."""
    regions = list(
        Region.objects.filter(level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE])
        .only("code", "name", "level", "parent_code").order_by("code")
    )
    townships = [(r.code, r.name) for r in regions if r.level == Region.Level.TOWNSHIP]
    names = dict(townships)
    grouped: dict[str, list[tuple[str, str]]] = {}
    parent: dict[str, str] = {}
    for r in regions:
        if r.level == Region.Level.VILLAGE:
            township = r.code[:9]
            grouped.setdefault(township, []).append((r.code, r.name))
            parent[r.code] = township
    villages = [(names.get(code, code), items) for code, items in grouped.items()]
    return townships, villages, parent


class SelfReportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    township = forms.ChoiceField(label=gettext_lazy("Township"), required=False)
    village = forms.ChoiceField(label=gettext_lazy("Village"))
    risk_type = forms.ChoiceField(label=gettext_lazy("Kind of difficulty"))
    description = forms.CharField(
        label=gettext_lazy("What has happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("For example: who is ill and since when, what was lost, what help you need."),
    )
    guardian_name = forms.CharField(
        label=gettext_lazy("Parent's or guardian's name"), max_length=60, required=False
    )
    guardian_id_number = forms.CharField(
        label=gettext_lazy("Parent's or guardian's ID number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    guardian_phone = forms.CharField(
        label=gettext_lazy("Parent's or guardian's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I have read the notice on personal information above and agree that my report, "
            "including any health details in it, is processed for this purpose."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        townships, villages, self.village_township = village_choices()
        self.fields["township"].choices = [("", _("All townships"))] + townships
        self.fields["village"].choices = [("", _("Choose your village"))] + villages
        self.fields["risk_type"].choices = [("", _("Choose one"))] + list(RiskType.choices)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean_id_number(self) -> IdNumber:
        return clean_id(self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError(_("Describe the difficulty in a few words."))
        return text

    def clean_guardian_name(self) -> str:
        return " ".join(self.cleaned_data.get("guardian_name", "").split())

    def clean_guardian_id_number(self) -> IdNumber | None:
        value = self.cleaned_data.get("guardian_id_number", "")
        return clean_id(value) if value.strip() else None

    def clean_guardian_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("guardian_phone", ""), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        village, township = data.get("village"), data.get("township")
        if village and township and self.village_township.get(village) != township:
            self.add_error("village", _("This village is not in the township chosen."))
        person: IdNumber | None = data.get("id_number")
        guardian: IdNumber | None = data.get("guardian_id_number")
        if person is not None and person.under_14:
            missing = [
                name
                for name in ("guardian_name", "guardian_id_number", "guardian_phone")
                if not data.get(name) and name not in self.errors
            ]
            for name in missing:
                self.add_error(name, _("Required for a child under 14."))
            if missing:
                raise forms.ValidationError(
                    _(
                        "The ID number shows a child under 14. A parent or guardian must make the report and "
                        "give their own name, ID number and phone."
                    ),
                    code="minor",
                )
        if guardian is not None:
            if person is not None and guardian.number == person.number:
                self.add_error("guardian_id_number", _("Enter the parent's or guardian's own ID number."))
            elif guardian.age < ADULT_AGE:
                self.add_error("guardian_id_number", _("A parent or guardian must be an adult."))
        return data

    def to_data(self) -> fieldwork.SelfReportData:
        data = self.cleaned_data
        return fieldwork.SelfReportData(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            village=Region.objects.get(code=data["village"]),
            risk_type=data["risk_type"],
            description=data["description"],
            guardian_name=data["guardian_name"],
            guardian_id_number=data["guardian_id_number"],
            guardian_phone=data["guardian_phone"],
        )


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a reverse proxy, the header it sets (``SHOUWANG_CLIENT_IP_HEADER``).

    Only a header the deployment's own proxy overwrites may be trusted: ``X-Forwarded-For``
    as a client sends it would let anyone choose their own rate-limit key.
    """
    header = getattr(settings, "SHOUWANG_CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get(header, "").split(",")[0].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _limited(request: HttpRequest, error: fieldwork.RateLimited) -> HttpResponse:
    response = render(request, "monitoring/public/limited.html", status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            fieldwork.count_client_submission(client_address(request))
        except fieldwork.RateLimited as error:
            return _limited(request, error)
        form = SelfReportForm(request.POST)
        if form.is_valid():
            data = form.to_data()
            try:
                fieldwork.count_id_submission(data.id_number.number)
            except fieldwork.RateLimited as error:
                return _limited(request, error)
            fieldwork.submit_self_report(data)
            # 303: the browser fetches the thank-you page with GET, so reloading it sends nothing again.
            response = HttpResponseRedirect(reverse("public:self_report_thanks"))
            response.status_code = 303
            return response
    else:
        form = SelfReportForm()
    return render(request, "monitoring/public/report_form.html", {"form": form})


@never_cache
@require_http_methods(["GET"])
def self_report_thanks(request: HttpRequest) -> HttpResponse:
    """The same page after every report: it says what happens next, nothing about the registry."""
    return render(request, "monitoring/public/thanks.html")
