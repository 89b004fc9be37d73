"""Assistance on the case page: adding a measure or an assistance contact, and unmasking the contacts' phones.

Thin views: ``engine.perform`` decides whether the action is allowed now (``add_measure``,
``add_contact``); the unmasking is logged with its reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.cases.procedure import engine
from shouwang.cases.procedure.casepage import form_page, get_case, offered, render_case
from shouwang.cases.procedure.deadlines import today_date
from shouwang.cases.procedure.lateentry import LateReasonRequired
from shouwang.cases.procedure.refusals import ActionRefused
from shouwang.core.audit import record_access
from shouwang.core.permissions import require, requires
from shouwang.registry.models import Member

from .forms import ContactForm, MeasureForm, UnmaskForm
from .sources import contact_source


@login_required
@requires("cases.unmask_contact")
@require_POST
def contact_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The assistance contacts' full phone numbers, once, for a permitted user with a reason (logged)."""
    case = get_case(request, pk)
    require(request.user, "cases.unmask_contact", case)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, unmask_form=form)
    record_access(
        "unmask", object_type="cases.assistancecontact", object_id=case.pk, object_repr=case.household.number,
        region_code=case.region_code, fields="phone", reason=form.cleaned_data["reason"],
        detail={"contacts": case.contacts.count()},
    )
    response = render_case(request, case, clear=True, unmask_reason=form.cleaned_data["reason"])
    add_never_cache_headers(response)
    return response


@login_required
@requires("cases.add_measure")
@require_http_methods(["GET", "HEAD", "POST"])
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(request, pk)
    members = Member.objects.restrict(request.user, "view").filter(household=case.household).order_by("pk")
    form = MeasureForm(request.POST or None, members=members, today=today_date())
    title = _("Add an assistance measure")
    if request.method == "POST" and form.is_valid():
        try:
            engine.perform(case, "add_measure", request.user, data=form.as_data(),
                           reason=form.cleaned_data.get("description", ""))
        except LateReasonRequired as exc:
            form.add_error("late_reason", exc.reason)
            return form_page(request, case, form, title=title, action_name="add_measure",
                             template="cases/measure_form.html", status=exc.status_code)
        except ActionRefused as exc:
            messages.error(request, exc.reason)
            return form_page(request, case, form, title=title, action_name="add_measure",
                             template="cases/measure_form.html", status=exc.status_code)
        messages.success(request, _("The measure was recorded."))
        return redirect(reverse("cases:case_detail", args=[case.pk]) + "#measures")
    if request.method != "POST" and not offered(request, case, "add_measure"):
        messages.warning(request, _("Measures cannot be recorded on this case now."))
    return form_page(request, case, form, title=title, action_name="add_measure", template="cases/measure_form.html",
                     status=400 if request.method == "POST" else 200)


@login_required
@requires("cases.add_contact")
@require_http_methods(["GET", "HEAD", "POST"])
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case(request, pk)
    source = contact_source()
    people = source.people(request.user, case) if source is not None else []
    form = ContactForm(request.POST or None, initial={"starts_on": today_date()}, people=people)
    title = _("Add an assistance contact")
    if request.method == "POST" and form.is_valid():
        try:
            engine.perform(case, "add_contact", request.user, data=form.as_data())
        except ActionRefused as exc:
            messages.error(request, exc.reason)
            return form_page(request, case, form, title=title, action_name="add_contact",
                             template="cases/contact_form.html", status=exc.status_code)
        messages.success(request, _("The assistance contact was recorded."))
        return redirect(reverse("cases:case_detail", args=[case.pk]) + "#contacts")
    return form_page(request, case, form, title=title, action_name="add_contact", template="cases/contact_form.html",
                     status=400 if request.method == "POST" else 200)
