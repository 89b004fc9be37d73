"""The periodic jobs' page (last run, duration, result, next run; time and "run now") and the
county's working-day calendar (national holidays and 调休, the county's overrides)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core import calendar, scheduling
from shouwang.core.models import Job, WorkingDayOverride
from shouwang.core.permissions import can, requires

from .forms import OverrideForm, ScheduleForm
from .permissions import MANAGE_CALENDAR, MANAGE_SCHEDULE

# The package's holiday names, in the reader's language.
HOLIDAY_NAMES = {
    "New Year's Day": gettext_lazy("New Year's Day"),
    "Spring Festival": gettext_lazy("Spring Festival"),
    "Tomb-sweeping Day": gettext_lazy("Tomb-sweeping Day"),
    "Labour Day": gettext_lazy("Labour Day"),
    "Dragon Boat Festival": gettext_lazy("Dragon Boat Festival"),
    "National Day": gettext_lazy("National Day"),
    "Mid-autumn Festival": gettext_lazy("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": gettext_lazy("70th anniversary of the victory in the War of Resistance"),
}


@login_required
@requires("supervision.view_schedule")
@require_http_methods(["GET", "HEAD"])
def schedule(request: HttpRequest) -> HttpResponse:
    lines = scheduling.schedule_lines()
    manage = can(request.user, MANAGE_SCHEDULE.name)
    rows = [(line, ScheduleForm(initial={
        "name": line.row.name, "time_of_day": line.row.time_of_day, "every_minutes": line.row.every_minutes,
        "enabled": line.row.enabled,
    }) if manage else None) for line in lines]
    running = any(line.job is not None and line.job.status in (Job.Status.QUEUED, Job.Status.RUNNING)
                  for line in lines)
    response = render(request, "supervision/schedule.html", {
        "rows": rows, "manage": manage, "running": running, "now": timezone.now(),
    })
    if running:
        response["Refresh"] = "5"
    add_never_cache_headers(response)
    return response


@login_required
@requires(MANAGE_SCHEDULE.name)
@require_POST
def schedule_change(request: HttpRequest) -> HttpResponse:
    form = ScheduleForm(request.POST)
    names = {spec.name for spec in scheduling.registered()}
    if not form.is_valid() or form.cleaned_data["name"] not in names:
        messages.error(request, _("The schedule was not changed: give a time of day like 02:00."))
        return redirect("supervision:schedule")
    data = form.cleaned_data
    try:
        scheduling.change_schedule(data["name"], request.user, time_of_day=data["time_of_day"],
                                   every_minutes=data["every_minutes"], enabled=data["enabled"])
    except ValueError as exc:
        messages.error(request, _(str(exc)))
    else:
        messages.success(request, _("The schedule was changed."))
    return redirect("supervision:schedule")


@login_required
@requires(MANAGE_SCHEDULE.name)
@require_POST
def schedule_run(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    if name not in {spec.name for spec in scheduling.registered()}:
        messages.error(request, _("No such periodic job."))
        return redirect("supervision:schedule")
    scheduling.run_now(name, request.user)
    messages.success(request, _("The job was started."))
    return redirect("supervision:schedule")


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@requires("supervision.view_schedule")
@require_http_methods(["GET", "HEAD"])
def working_days(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    covered = calendar.covered_years()
    national = [(day, working, HOLIDAY_NAMES.get(name, name)) for day, working, name
                in calendar.national_exceptions(year)]
    overrides = WorkingDayOverride.objects.filter(day__year=year).order_by("day")
    return render(request, "supervision/working_days.html", {
        "year": year, "covered": year in covered, "first_year": covered.start, "last_year": covered.stop - 1,
        "national": national, "overrides": overrides,
        "manage": can(request.user, MANAGE_CALENDAR.name),
        "form": OverrideForm(initial={"day": date(year, 1, 1) if year != timezone.localdate().year
                                      else timezone.localdate()}),
        "years": [year - 1, year + 1],
    })


@login_required
@requires(MANAGE_CALENDAR.name)
@require_POST
def working_day_change(request: HttpRequest) -> HttpResponse:
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The calendar was not changed: give a date and say whether it is worked."))
        return redirect("supervision:working_days")
    data = form.cleaned_data
    calendar.set_override(data["day"], data["is_working_day"], data["note"])
    messages.success(request, _("The calendar was changed."))
    return redirect(f"{_working_days_url()}?year={data['day'].year}")


@login_required
@requires(MANAGE_CALENDAR.name)
@require_POST
def working_day_remove(request: HttpRequest) -> HttpResponse:
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, _("No such date."))
        return redirect("supervision:working_days")
    if calendar.remove_override(day):
        messages.success(request, _("The county's setting for that day was removed."))
    return redirect(f"{_working_days_url()}?year={day.year}")


def _working_days_url() -> str:
    return reverse("supervision:working_days")
