"""Data-quality pages: findings grouped by rule and village (scoped), the run button and its progress."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.models import Job
from shouwang.core.permissions import can, requires
from shouwang.regions.models import region_names

from . import services as service
from .filters import FindingFilter
from .tasks import start_quality_run

PAGE_SIZE = 100


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def quality_index(request: HttpRequest) -> HttpResponse:
    """Counts by rule and by village; a rule (and village) chosen lists the records to fix."""
    findings = service.findings_for(request.user)
    by_rule = list(findings.order_by().values("rule", "severity").annotate(n=Count("pk")).order_by("rule"))
    for row in by_rule:
        row["label"] = service.rule_label(row["rule"])
        row["national"] = service.national_code(row["rule"])
    rule = request.GET.get("rule", "")
    village = request.GET.get("village", "")
    listed = FindingFilter.for_page(request.GET, findings, request.user).rows()
    villages = list(listed.order_by().values("region_code").annotate(n=Count("pk")).order_by("region_code"))
    names = region_names(v["region_code"] for v in villages)
    for row in villages:
        row["name"] = names.get(row["region_code"], row["region_code"])
    page = None
    grouped: OrderedDict[str, list] = OrderedDict()
    if rule or village:
        page = Paginator(listed.order_by("region_code", "rule", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
        for finding in page.object_list:
            grouped.setdefault(finding.region_code, []).append(finding)
    running = Job.objects.filter(kind=service.JOB_KIND, user=request.user,
                                 status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).first()
    return render(request, "supervision/quality_index.html", {
        "by_rule": by_rule, "villages": villages, "rule": rule, "rule_label": service.rule_label(rule) if rule else "",
        "rule_description": service.rule_description(rule) if rule else "",
        "village": village, "village_name": names.get(village, village), "page": page,
        "grouped": [(code, names.get(code, code), items) for code, items in grouped.items()],
        "run": service.latest_run(request.user), "can_run": can(request.user, "supervision.run_quality"),
        "running": running,
        "total": sum(row["n"] for row in by_rule),
    })


@login_required
@requires("supervision.run_quality")
@require_POST
def quality_run(request: HttpRequest) -> HttpResponse:
    job = start_quality_run(request.user)
    return redirect("supervision:quality_job", job_id=job.pk)


@login_required
@requires("supervision.run_quality", answers_by_scope=True)  # one's own job, else 404
@require_http_methods(["GET", "HEAD"])
def quality_job(request: HttpRequest, job_id) -> HttpResponse:
    job = get_object_or_404(Job.objects.filter(kind=service.JOB_KIND, user=request.user), pk=job_id)
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    response = render(request, "supervision/quality_job.html", {"job": job, "finished": finished})
    if not finished:
        response["Refresh"] = "2"
    add_never_cache_headers(response)
    return response
