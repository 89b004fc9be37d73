"""Household pages: the household list with its searches, the household page and unmasking.

Every queryset starts from ``Household.objects.restrict(request.user, "view")``, so a household
outside the user's region never appears in a list, a count, a search or a detail page (404).
Personal numbers are shown masked; the clear values leave the server only on the unmask POST,
for a user with the permission and a typed reason, and each such reveal is in the access log.
Phone numbers alone are one POST away for the cadres who call households (logged, no reason).
A full ID number is searched by POST through its blind index, so it never lands in a URL.
The list's filter (page, API and export alike) is :mod:`.filters`, the forms are in :mod:`.forms`,
the searches and list columns in :mod:`.queries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from shouwang.core.audit import record_access
from shouwang.core.idnumbers import mask_id_number
from shouwang.core.permissions import can, requires
from shouwang.regions.models import Region

from .filters import HouseholdFilter
from .forms import IdSearchForm, SearchForm, UnmaskForm, without_full_id
from .layers import household_layers
from .models import Household, HouseholdYear, Member
from .permissions import REVEAL_PHONE, UNMASK
from .queries import find_by_id_number, with_list_columns
from .services import reveal_phones

PAGE_SIZE = 50


_FILTER_FIELDS = ("q", "township", "village", "household_type")


def _listing(scoped: QuerySet[Household], user, params) -> dict[str, Any]:
    """The filtered, annotated page of households for the GET parameters ``params``."""
    filterset = HouseholdFilter.for_page(params, scoped, user)
    paginator = Paginator(with_list_columns(filterset.rows()).order_by("number", "pk"), PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    searched = any(params.get(name) for name in _FILTER_FIELDS)
    return {"filter_form": filterset.form, "page": page, "paginator": paginator, "searched": searched}


@login_required
@requires("view", answers_by_scope=True)
@require_http_methods(["GET", "HEAD", "POST"])
def household_list(request: HttpRequest) -> HttpResponse:
    """GET: search, filter and page; POST: exact search by a full ID number (logged)."""
    scoped = Household.objects.restrict(request.user, "view")

    if request.method == "POST":
        # The template shows this form's errors but never its value: no full ID in a page.
        id_form = IdSearchForm(request.POST)
        context = _listing(scoped, request.user, {})
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

    # A whole ID number is dropped from the address at once; the POST form below searches by it.
    if (dropped := without_full_id(request, str(SearchForm.full_id_refusal))) is not None:
        return dropped
    context = _listing(scoped, request.user, request.GET)
    context.update(id_form=IdSearchForm(), id_search=None)
    return render(request, "registry/household_list.html", context)


@dataclass
class MemberRow:
    member: Member
    id_shown: str
    phone_shown: str
    age: int | None
    phone_tel: str = ""  # the full number for a tel: link, once revealed


def _household_context(
    request: HttpRequest, household: Household, *, clear: bool, phones: dict[int, str] | None = None,
) -> dict[str, Any]:
    """``clear``: ID and phone numbers unmasked (with a reason); ``phones``: the revealed phones only."""
    members = Member.objects.restrict(request.user, "view").filter(household=household).order_by("pk")
    this_year = date.today().year
    rows = []
    for m in members:
        phone = (m.phone or "") if clear else (phones or {}).get(m.pk, "")
        rows.append(MemberRow(
            member=m,
            id_shown=(m.id_number or "") if clear else m.id_masked,
            phone_shown=phone or m.phone_masked,
            age=(this_year - m.birth_year) if m.birth_year else None,
            phone_tel=phone,
        ))
    years = HouseholdYear.objects.restrict(request.user, "view").filter(household=household).order_by("-year")
    township = Region.objects.filter(code=household.region_code[:9]).first()
    return {
        "household": household, "township": township, "members": rows, "years": list(years),
        "layers": household_layers(household),
        "clear": clear, "can_unmask": can(request.user, UNMASK.name, household),
        "phones_shown": clear or phones is not None,
        "can_reveal_phone": can(request.user, REVEAL_PHONE.name, household),
    }


def _get_household(request: HttpRequest, pk: int) -> Household:
    households = Household.objects.restrict(request.user, "view").select_related("village")
    return get_object_or_404(households, pk=pk)


@login_required
@requires("view", answers_by_scope=True)
@require_http_methods(["GET", "HEAD"])
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _get_household(request, pk)
    context = _household_context(request, household, clear=False)
    context["unmask_form"] = UnmaskForm() if context["can_unmask"] else None
    return render(request, "registry/household_detail.html", context)


@login_required
@requires(UNMASK.name)
@require_http_methods(["GET", "HEAD", "POST"])
def household_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the clear ID and phone numbers once, for a permitted user with a reason, and log it.

    The permission is checked before the lookup, so a user without it learns nothing about
    which households exist. A GET reveals nothing: it goes back to the masked page.
    """
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


@login_required
@requires(REVEAL_PHONE.name)
@require_http_methods(["GET", "HEAD", "POST"])
def household_phones(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the household's full phone numbers (to call them) with ID numbers still masked; logged.

    No reason is asked: calling the households of one's region is the cadre's daily work. A GET
    reveals nothing: it goes back to the masked page.
    """
    household = _get_household(request, pk)
    if request.method != "POST":
        return redirect("registry:household_detail", pk=household.pk)
    context = _household_context(request, household, clear=False, phones=reveal_phones(request.user, household))
    context["unmask_form"] = UnmaskForm() if context["can_unmask"] else None
    response = render(request, "registry/household_detail.html", context)
    add_never_cache_headers(response)
    return response
