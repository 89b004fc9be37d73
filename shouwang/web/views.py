"""The portal's own pages: the home page that greets each user with what lies in their scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shouwang.cases.procedure.deadlines import today_date as case_today
from shouwang.cases.procedure.queue import queue as case_queue
from shouwang.core.audit_tasks import verification_alert
from shouwang.core.permissions import can, home_region
from shouwang.core.regioncodes import LEVEL_CODE_LENGTH
from shouwang.monitoring.fieldwork.permissions import RECORD_VISIT
from shouwang.monitoring.lines.permissions import VIEW_LINE
from shouwang.monitoring.lines.services import missing_line_years
from shouwang.monitoring.models import CampaignTask, SelfReport, SelfReportStatus, TaskStatus, Warning
from shouwang.registry.models import Household, HouseholdType, Member


def _missing_line_years(user) -> list[int]:
    """For county-level users (who set the line or answer for the county), the years without a line."""
    region = home_region(user) or ""
    if not region or len(region) > LEVEL_CODE_LENGTH["county"] or not can(user, VIEW_LINE.name):
        return []
    return missing_line_years(region)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Who the user is, what waits for them, and what their region holds.

    Every count goes through the scoping choke point, so a village cadre's queue is their
    village's and the county's is the county's. Every signed-in user has this page, so it
    declares no action: a role that may not "view" sees zeros.
    """
    user = request.user
    today = case_today()
    households = Household.objects.restrict(user, "view").aggregate(
        total=Count("pk"),
        ex_poor=Count("pk", filter=Q(household_type=HouseholdType.EX_POOR)),
        villages=Count("region_code", distinct=True),
    )
    steps = case_queue(user, today).aggregate(
        pending=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    context = {
        "can_view": can(user, "view"),
        "household_total": households["total"],
        "ex_poor_total": households["ex_poor"],
        "village_total": households["villages"],
        "member_total": Member.objects.restrict(user, "view").count(),
        "warnings_open": Warning.objects.restrict(user, "view").open().count(),
        "warnings_overdue": Warning.objects.restrict(user, "view").overdue().count(),
        "visits_pending": CampaignTask.objects.restrict(user, RECORD_VISIT.name).filter(
            status=TaskStatus.PENDING).count(),
        "self_report_leads": SelfReport.objects.restrict(user, "view").filter(status=SelfReportStatus.NEW).count(),
        "case_steps_pending": steps["pending"],
        "case_steps_overdue": steps["overdue"],
        "missing_line_years": _missing_line_years(user),
        "audit_alert": verification_alert() if can(user, "audit_alert") else None,
    }
    return render(request, "web/home.html", context)
