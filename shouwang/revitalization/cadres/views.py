"""The register's pages: the list by kind, a person's page (masked numbers, the unmask with a reason,
days in the village, households held, trainings), adding and changing a person, recording a month's
days, trainings and who attended, the checks, the county's limits, the import.

Thin views: every queryset starts from ``restrict``; services decide and write.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.cases.assistance.models import AssistanceContact
from shouwang.core.import_pages import XLSX_TYPE, job_report_context, poll_while_running, report_download
from shouwang.core.models import Job
from shouwang.core.permissions import can, home_region, require, requires, restrict
from shouwang.core.regioncodes import level_of
from shouwang.regions.models import Region, region_names

from . import services
from .filters import CadreFilter, TrainingFilter
from .forms import AttendanceForm, CadreForm, ChecksForm, ImportForm, SettingsForm, TrainingForm, UnmaskForm
from .importer import build_template
from .models import Cadre, CadreKind, CadreSettings, Training
from .permissions import (
    EDIT_CADRES,
    EDIT_SETTINGS,
    EDIT_TRAININGS,
    IMPORT_CADRES,
    RECORD_ATTENDANCE,
    UNMASK_CADRE,
    VIEW_CADRES,
)
from .tasks import KIND, start_cadre_import

PAGE_SIZE = 50


def _scoped(request: HttpRequest):
    return Cadre.objects.restrict(request.user, VIEW_CADRES.name)


def _get_cadre(request: HttpRequest, pk: int) -> Cadre:
    return get_object_or_404(_scoped(request), pk=pk)


def _with_places(rows: list[Any]) -> list[Any]:
    """Each row's ``place``: "township · village" (one query for the names)."""
    codes = {c for r in rows for c in (r.region_code, r.region_code[:9])}
    names = region_names(codes)
    for r in rows:
        township, own = names.get(r.region_code[:9], ""), names.get(r.region_code, r.region_code)
        r.place = own if r.region_code == r.region_code[:9] else f"{township} · {own}" if township else own
    return rows


@login_required
@requires(VIEW_CADRES.name)
@require_http_methods(["GET", "HEAD"])
def cadre_list(request: HttpRequest) -> HttpResponse:
    filterset = CadreFilter.for_page(request.GET, _scoped(request), request.user)
    rows = services.with_households_held(filterset.rows(), date.today()).order_by("region_code", "kind", "name", "pk")
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    _with_places(list(page.object_list))
    return render(request, "revitalization/cadres/cadre_list.html", {
        "filter_form": filterset.form, "page": page, "paginator": paginator, "kinds": CadreKind.choices,
        "kind": request.GET.get("kind", ""),
        "can_edit": can(request.user, EDIT_CADRES.name), "can_import": can(request.user, IMPORT_CADRES.name),
    })


def _detail_context(request: HttpRequest, cadre: Cadre, *, clear: dict[str, str] | None = None) -> dict[str, Any]:
    today = date.today()
    year = today.year
    held = services.with_households_held(Cadre.objects.filter(pk=cadre.pk), today).values_list(
        "households_held", flat=True).first() or 0
    settings = CadreSettings.for_region(cadre.region_code[:6])
    recorded = cadre.attendances.filter(month__year=year).aggregate(total=Sum("days"))["total"] or 0
    _with_places([cadre])
    visible = restrict(request.user, AssistanceContact.objects.all(), "view")  # the cases the user may see
    contacts = (cadre.contact_links.select_related("contact__case__household")
                .filter(Q(contact__ends_on__isnull=True) | Q(contact__ends_on__gte=today), contact__in=visible)
                .order_by("contact__case__household__number"))
    return {
        "cadre": cadre, "clear": clear, "households_held": held, "settings": settings,
        "attendances": cadre.attendances.order_by("-month")[:24], "year": year, "recorded": recorded,
        "required": services.required_days(cadre, year, today, settings.min_days_per_year),
        "resident": cadre.kind in CadreKind.resident(), "contacts": contacts[:200],
        "trainings": cadre.trainings.select_related("training").order_by("-training__starts_on")[:50],
        "can_edit": can(request.user, EDIT_CADRES.name, cadre),
        "can_record": can(request.user, RECORD_ATTENDANCE.name, cadre) and cadre.kind in CadreKind.resident(),
        "can_unmask": can(request.user, UNMASK_CADRE.name, cadre),
        "unmask_form": UnmaskForm() if can(request.user, UNMASK_CADRE.name, cadre) and clear is None else None,
        "attendance_form": AttendanceForm(initial={"month": today.replace(day=1)}),
    }


@login_required
@requires(VIEW_CADRES.name)
@require_http_methods(["GET", "HEAD"])
def cadre_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cadre = _get_cadre(request, pk)
    return render(request, "revitalization/cadres/cadre_detail.html", _detail_context(request, cadre))


@login_required
@requires(UNMASK_CADRE.name)
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's clear numbers once, for a user with the grant and a reason (logged); a GET reveals
    nothing."""
    cadre = _get_cadre(request, pk)
    if request.method != "POST":
        return redirect("revitalization:cadre_detail", pk=cadre.pk)
    require(request.user, UNMASK_CADRE.name, cadre)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, cadre)
        context["unmask_form"] = form
        return render(request, "revitalization/cadres/cadre_detail.html", context, status=400)
    clear = services.unmask(request.user, cadre, form.cleaned_data["reason"])
    context = _detail_context(request, cadre, clear=clear)
    context["unmask_reason"] = form.cleaned_data["reason"]
    response = render(request, "revitalization/cadres/cadre_detail.html", context)
    add_never_cache_headers(response)
    return response


def _cadre_form(request: HttpRequest, cadre: Cadre | None) -> HttpResponse:
    form = CadreForm(request.POST or None, user=request.user, instance=cadre,
                     initial=None if cadre else {"kind": request.GET.get("kind", CadreKind.FIRST_SECRETARY)})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_cadre(form.apply(), request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The register was updated."))
            return redirect("revitalization:cadre_detail", pk=saved.pk)
    title = _("Change %(name)s") % {"name": cadre.name} if cadre else _("Add a person to the register")
    return render(request, "revitalization/cadres/cadre_form.html", {"form": form, "cadre": cadre, "title": title},
                  status=400 if request.method == "POST" else 200)


@login_required
@requires(EDIT_CADRES.name)
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_new(request: HttpRequest) -> HttpResponse:
    return _cadre_form(request, None)


@login_required
@requires(EDIT_CADRES.name)
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cadre = get_object_or_404(Cadre.objects.restrict(request.user, EDIT_CADRES.name), pk=pk)
    return _cadre_form(request, cadre)


@login_required
@requires(RECORD_ATTENDANCE.name)
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a month's days in the village (a GET goes back to the person's page)."""
    cadre = get_object_or_404(Cadre.objects.restrict(request.user, RECORD_ATTENDANCE.name), pk=pk)
    if request.method != "POST":
        return redirect("revitalization:cadre_detail", pk=cadre.pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            services.record_attendance(cadre, form.cleaned_data["month"], form.cleaned_data["days"], request.user,
                                       note=form.cleaned_data.get("note", ""))
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            messages.success(request, _("The days in the village were recorded."))
            return redirect("revitalization:cadre_detail", pk=cadre.pk)
    context = _detail_context(request, cadre)
    context["attendance_form"] = form
    return render(request, "revitalization/cadres/cadre_detail.html", context, status=400)


@login_required
@requires(VIEW_CADRES.name)
@require_http_methods(["GET", "HEAD"])
def cadre_checks(request: HttpRequest) -> HttpResponse:
    """The contacts above their county's limit and the first secretaries short of their days."""
    today = date.today()
    form = ChecksForm(request.GET or None)
    year = form.year_or(today.year)
    on = min(today, date(year, 12, 31))
    scoped = _scoped(request)
    overloaded = list(services.overloaded_contacts(scoped, today)[:500])
    shortfalls = services.attendance_shortfalls(scoped, year, on)
    _with_places(overloaded + [s.cadre for s in shortfalls])
    region = home_region(request.user) or ""
    return render(request, "revitalization/cadres/cadre_checks.html", {
        "form": form, "year": year, "on": on, "overloaded": overloaded, "shortfalls": shortfalls,
        "settings": CadreSettings.for_region(region[:6]),
        "can_edit_settings": level_of(region) == "county" and can(request.user, EDIT_SETTINGS.name, region),
    })


@login_required
@requires(EDIT_SETTINGS.name)
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_settings(request: HttpRequest) -> HttpResponse:
    county = home_region(request.user) or ""
    current = CadreSettings.for_region(county)
    form = SettingsForm(request.POST or None, initial={
        "max_households_per_contact": current.max_households_per_contact,
        "min_days_per_year": current.min_days_per_year})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_settings(county, request.user, **form.cleaned_data)
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            messages.success(request, _("The county's limits were saved."))
            return redirect("revitalization:cadre_checks")
    county_name = Region.objects.filter(code=county).values_list("name", flat=True).first() or county
    return render(request, "revitalization/cadres/cadre_settings.html", {"form": form, "county_name": county_name},
                  status=400 if request.method == "POST" else 200)


# --- trainings ---------------------------------------------------------------------------------------

def _trainings(request: HttpRequest):
    return Training.objects.restrict(request.user, VIEW_CADRES.name)


@login_required
@requires(VIEW_CADRES.name)
@require_http_methods(["GET", "HEAD"])
def training_list(request: HttpRequest) -> HttpResponse:
    filterset = TrainingFilter.for_page(request.GET, _trainings(request), request.user)
    paginator = Paginator(services.training_counts(filterset.rows()).order_by("-starts_on", "pk"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "revitalization/cadres/training_list.html", {
        "filter_form": filterset.form, "page": page, "paginator": paginator,
        "can_edit": can(request.user, EDIT_TRAININGS.name),
    })


@login_required
@requires(EDIT_TRAININGS.name)
@require_http_methods(["GET", "HEAD", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    form = TrainingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            training = services.save_training(form.save(commit=False), request.user)
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            messages.success(request, _("The training was recorded: now tick who attended."))
            return redirect("revitalization:training_detail", pk=training.pk)
    return render(request, "revitalization/cadres/training_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@requires(VIEW_CADRES.name)
@require_http_methods(["GET", "HEAD", "POST"])
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A training and who attended; POST (by whoever records trainings) ticks the people present."""
    training = get_object_or_404(_trainings(request), pk=pk)
    may_edit = can(request.user, EDIT_TRAININGS.name, training)
    people = (restrict(request.user, Cadre.objects.filter(region_code__startswith=training.region_code),
                       VIEW_CADRES.name).order_by("region_code", "kind", "name", "pk"))
    kind = request.GET.get("kind", "")
    if kind in CadreKind.values:
        people = people.filter(kind=kind)
    if request.method == "POST":
        require(request.user, EDIT_TRAININGS.name, training)
        shown = [int(v) for v in request.POST.getlist("shown") if v.isdigit()]
        ticked = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
        services.set_training_attendance(training, {pk_: pk_ in ticked for pk_ in shown[:1000]}, request.user)
        messages.success(request, _("The attendance was saved."))
        return redirect("revitalization:training_detail", pk=training.pk)
    present = dict(training.attendances.values_list("cadre_id", "attended"))
    rows = _with_places(list(people[:500]))
    for r in rows:
        r.present = present.get(r.pk, False)
    counted = services.training_counts(Training.objects.filter(pk=training.pk)).first()
    return render(request, "revitalization/cadres/training_detail.html", {
        "training": training, "people": rows, "may_edit": may_edit, "counted": counted,
        "kinds": CadreKind.choices, "kind": kind,
    })


# --- the import -------------------------------------------------------------------------------------

def _own_job(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(Job, pk=job_id, kind=KIND, user=request.user)


@login_required
@requires(IMPORT_CADRES.name)
@require_http_methods(["GET", "HEAD", "POST"])
def cadre_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = start_cadre_import(request.user, form.cleaned_data["file"],
                                 commit=form.cleaned_data["mode"] == "commit")
        return redirect("revitalization:cadre_import_status", job_id=job.pk)
    jobs = Job.objects.filter(kind=KIND, user=request.user).order_by("-created_at")[:10]
    return render(request, "revitalization/cadres/cadre_import.html", {"form": form, "jobs": jobs},
                  status=400 if request.method == "POST" else 200)


@login_required
@requires(IMPORT_CADRES.name)
def cadre_import_status(request: HttpRequest, job_id) -> HttpResponse:
    context = job_report_context(_own_job(request, job_id))
    return poll_while_running(render(request, "revitalization/cadres/cadre_import_status.html", context), context)


@login_required
@requires(IMPORT_CADRES.name)
def cadre_import_report(request: HttpRequest, job_id, fmt: str) -> HttpResponse:
    return report_download(_own_job(request, job_id), fmt, object_type="revitalization_cadre_import_report",
                           filename="cadre-import-report")


@login_required
@requires(IMPORT_CADRES.name)
def cadre_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "干部人才台账导入模板.xlsx")
    return response
