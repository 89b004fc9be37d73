"""Registry pages: the household list with its searches, the household page and unmasking.

Every queryset starts from ``Household.objects.restrict(request.user, "view")``, so a household
outside the user's region never appears in a list, a count, a search or a detail page (404).
Personal numbers are shown masked; the clear values leave the server only on the unmask POST,
for a user with the permission and a typed reason, and each such reveal is in the access log.
A full ID number is searched by POST through its blind index, so it never lands in a URL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shouwang.core import crypto
from shouwang.core.audit import record_access
from shouwang.core.idnumbers import IdNumberError, mask_id_number, parse_id_number
from shouwang.regions.models import Region

from .models import Household, HouseholdType, HouseholdYear, Member, Relation

PAGE_SIZE = 50
# What a typed search may match as "the last digits of an ID number": the masked number keeps
# only its last four characters, so at most four (the last may be the check character X).
_ID_TAIL = re.compile(r"\d{0,3}[\dX]")
# A GET search that looks like a whole ID number (15 or 18 characters) is refused: the full
# number belongs in the POST form, never in a URL, a log line or the browser history.
_LOOKS_LIKE_ID = re.compile(r"\d{14}[\dX]|\d{17}[\dX]")


def looks_like_full_id(text: str) -> bool:
    folded = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    return bool(_LOOKS_LIKE_ID.fullmatch(folded))


# --- forms --------------------------------------------------------------------------------------


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


# --- queries ------------------------------------------------------------------------------------


def with_list_columns(households: QuerySet[Household]) -> QuerySet[Household]:
    """Head's name, member count and the latest year's figures as subqueries: one query a page."""
    members = Member.objects.filter(household=OuterRef("pk")).order_by()
    latest = HouseholdYear.objects.filter(household=OuterRef("pk")).order_by("-year")
    return households.select_related("village").annotate(
        head_name=Subquery(members.filter(relation=Relation.HEAD).order_by("pk").values("name")[:1]),
        member_total=Coalesce(
            Subquery(members.values("household").annotate(n=Count("pk")).values("n")[:1]),
            Value(0), output_field=IntegerField(),
        ),
        latest_year=Subquery(latest.values("year")[:1]),
        latest_per_capita=Subquery(latest.values("per_capita_net_income")[:1]),
    )


def search_households(households: QuerySet[Household], q: str) -> QuerySet[Household]:
    """Match the household number, a member's name, or the last digits of a member's ID number."""
    if not q:
        return households
    members = Member.objects.filter(household=OuterRef("pk"))
    condition = Q(number__icontains=q) | Q(Exists(members.filter(name__icontains=q)))
    tail = q.upper()
    if _ID_TAIL.fullmatch(tail):
        condition |= Q(Exists(members.filter(id_masked__endswith=tail)))
    return households.filter(condition)


def filter_households(households: QuerySet[Household], data: dict[str, str]) -> QuerySet[Household]:
    if data.get("village"):
        households = households.filter(region_code=data["village"])
    elif data.get("township"):
        households = households.filter(region_code__startswith=data["township"])
    if data.get("household_type"):
        households = households.filter(household_type=data["household_type"])
    return households


def find_by_id_number(households: QuerySet[Household], number: str) -> QuerySet[Household]:
    """Households with a member whose normalised ID number has this blind index."""
    index = crypto.blind_index(number)
    return households.filter(Exists(Member.objects.filter(household=OuterRef("pk"), id_index=index)))


# --- views --------------------------------------------------------------------------------------


_FILTER_FIELDS = ("q", "township", "village", "household_type")


def _listing(scoped: QuerySet[Household], regions: list[Region], params) -> dict[str, Any]:
    """The filtered, annotated page of households for the GET parameters ``params``."""
    filter_form = HouseholdFilterForm(params or None, regions=regions)
    if filter_form.is_bound and not filter_form.is_valid():
        households = scoped.none()  # an impossible filter (e.g. a village outside the scope)
    else:
        data = filter_form.cleaned_data if filter_form.is_bound else {}
        households = search_households(filter_households(scoped, data), data.get("q", ""))
    paginator = Paginator(with_list_columns(households).order_by("number", "pk"), PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    searched = any(params.get(name) for name in _FILTER_FIELDS)
    return {"filter_form": filter_form, "page": page, "paginator": paginator, "searched": searched}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def household_list(request: HttpRequest) -> HttpResponse:
    """GET: search, filter and page; POST: exact search by a full ID number (logged)."""
    scoped = Household.objects.restrict(request.user, "view")
    regions = _scope_regions(request.user)

    if request.method == "POST":
        # The template shows this form's errors but never its value: no full ID in a page.
        id_form = IdSearchForm(request.POST)
        context = _listing(scoped, regions, {})
        context["id_search"] = None
        if id_form.is_valid():
            number = id_form.cleaned_data["id_number"]
            found = list(with_list_columns(find_by_id_number(scoped, number)).order_by("number")[:PAGE_SIZE])
            masked = mask_id_number(number)
            record_access(
                "search_id", object_type="household", fields="id_number",
                detail={"id_masked": masked, "results": len(found)},
            )
            context["id_search"] = {"masked": masked, "households": found}
        context["id_form"] = id_form
        response = render(request, "registry/household_list.html", context)
        add_never_cache_headers(response)
        return response

    if looks_like_full_id(request.GET.get("q", "")):
        # Drop the number from the address at once, so the page, its links and the language
        # switch never carry it further; the POST form below is the way to search by it.
        messages.warning(request, _("To search by a full ID number, use the ID number search below."))
        rest = request.GET.copy()
        del rest["q"]
        return redirect(f"{request.path}?{rest.urlencode()}" if rest else request.path)
    context = _listing(scoped, regions, request.GET)
    context.update(id_form=IdSearchForm(), id_search=None)
    return render(request, "registry/household_list.html", context)


@dataclass
class MemberRow:
    member: Member
    id_shown: str
    phone_shown: str
    age: int | None


def _household_context(request: HttpRequest, household: Household, *, clear: bool) -> dict[str, Any]:
    members = Member.objects.restrict(request.user, "view").filter(household=household).order_by("pk")
    this_year = date.today().year
    rows = [
        MemberRow(
            member=m,
            id_shown=(m.id_number or "") if clear else m.id_masked,
            phone_shown=(m.phone or "") if clear else m.phone_masked,
            age=(this_year - m.birth_year) if m.birth_year else None,
        )
        for m in members
    ]
    years = HouseholdYear.objects.restrict(request.user, "view").filter(household=household).order_by("-year")
    township = Region.objects.filter(code=household.region_code[:9]).first()
    return {
        "household": household, "township": township, "members": rows, "years": list(years),
        "clear": clear, "can_unmask": request.user.can_unmask,
    }


def _get_household(request: HttpRequest, pk: int) -> Household:
    households = Household.objects.restrict(request.user, "view").select_related("village")
    return get_object_or_404(households, pk=pk)


@login_required
@require_http_methods(["GET", "HEAD"])
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _get_household(request, pk)
    context = _household_context(request, household, clear=False)
    context["unmask_form"] = UnmaskForm() if context["can_unmask"] else None
    return render(request, "registry/household_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def household_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the clear ID and phone numbers once, for a permitted user with a reason, and log it.

    The permission is checked before the lookup, so a user without it learns nothing about
    which households exist. A GET reveals nothing: it goes back to the masked page.
    """
    if not request.user.can_unmask:
        raise PermissionDenied(_("You may not view unmasked personal data."))
    household = _get_household(request, pk)
    if request.method != "POST":
        return redirect("registry:household_detail", pk=household.pk)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        context = _household_context(request, household, clear=False)
        context["unmask_form"] = form
        return render(request, "registry/household_detail.html", context, status=400)
    context = _household_context(request, household, clear=True)
    record_access(
        "unmask", object_type="household", object_id=household.pk, object_repr=household.number,
        region_code=household.region_code, fields="id_number,phone", reason=form.cleaned_data["reason"],
        detail={"members": len(context["members"])},
    )
    context["unmask_form"] = None
    context["unmask_reason"] = form.cleaned_data["reason"]
    response = render(request, "registry/household_detail.html", context)
    add_never_cache_headers(response)
    return response

