"""Department feed pages: upload, watch the job, the batches and their leads, county column names.

Thin views: the upload becomes a background job (:mod:`.tasks`), checking and writing are
:mod:`.services`'. Only roles with the ``monitoring.feed`` action (county officers, the
administrator, department data officers) reach them (403 otherwise). A job is its starter's alone; a batch is
visible to county staff of its region and to the department officer who sent it (404 otherwise).
"""

from __future__ import annotations

import io

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from shouwang.core.import_pages import (
    ISSUES_SHOWN,
    XLSX_TYPE,
    job_report_context,
    poll_while_running,
    report_download,
)
from shouwang.core.imports import Report
from shouwang.core.models import Job
from shouwang.core.permissions import can, home_region, require, requires, restrict

from .catalogue import FEED_SPECS, feed_spec
from .filters import FeedBatchFilter
from .forms import AliasForm, FeedUploadForm
from .models import FeedColumnAlias, FeedType
from .permissions import EDIT_FEED_ALIASES, FEED, VIEW_FEED_ALIASES
from .services import add_alias, batches_for, leads_for
from .tasks import KIND, start_feed_import

LEADS_PER_PAGE = 100


def _own_job(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(Job, pk=job_id, kind=KIND, user=request.user)


@login_required
@requires(FEED.name)
def feed_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = FeedUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = start_feed_import(request.user, form.cleaned_data["file"], form.cleaned_data["feed_type"],
                                    commit=form.cleaned_data["mode"] == "commit",
                                    complete=form.cleaned_data.get("complete", False))
            return redirect("monitoring:feed_status", job_id=job.pk)
    else:
        form = FeedUploadForm(initial={"feed_type": request.GET.get("type") or FeedType.MEDICAL})
    jobs = Job.objects.filter(kind=KIND, user=request.user).order_by("-created_at")[:10]
    specs = [(spec, FeedType(spec.type).label) for spec in FEED_SPECS.values()]
    return render(request, "monitoring/feed_upload.html", {"form": form, "jobs": jobs, "specs": specs})


@login_required
@requires(FEED.name)
def feed_status(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id)
    context = job_report_context(job)
    report = context["report"]
    feed_type = job.params.get("feed_type")
    context.update(
        unmatched=(job.result or {}).get("unmatched", [])[:ISSUES_SHOWN],
        feed_label=FeedType(feed_type).label if feed_type in FEED_SPECS else "",
        batch_id=report.batch if report and report.committed else "",
    )
    return poll_while_running(render(request, "monitoring/feed_status.html", context), context)


@login_required
@requires(FEED.name)
def feed_job_report(request: HttpRequest, job_id, fmt: str) -> HttpResponse:
    return report_download(_own_job(request, job_id), fmt, object_type="feed_import_report", filename="feed-report")


@login_required
@requires(FEED.name)
def feed_batch_list(request: HttpRequest) -> HttpResponse:
    batches = batches_for(request.user).select_related("user")
    filterset = FeedBatchFilter.for_page(request.GET, batches, request.user)
    feed_type = request.GET.get("feed_type") or request.GET.get("type", "")
    page = Paginator(filterset.rows(), 50).get_page(request.GET.get("page"))
    return render(request, "monitoring/feed_batch_list.html", {
        "page": page, "paginator": page.paginator, "feed_type": feed_type, "feed_types": FeedType.choices,
    })


@login_required
@requires(FEED.name)
def feed_batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(batches_for(request.user).select_related("user"), pk=pk)
    report = Report.from_dict(batch.report) if batch.report else None
    issues = [i for i in report.sorted_issues() if i.code != "unknown_person"] if report else []
    leads = leads_for(request.user).filter(batch=batch).select_related("resolved_signal").order_by("row_number")
    page = Paginator(leads, LEADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "monitoring/feed_batch_detail.html", {
        "batch": batch, "report": report, "issues": issues[:ISSUES_SHOWN],
        "issues_hidden": max(0, len(issues) - ISSUES_SHOWN), "details": report.details if report else {},
        "page": page, "paginator": page.paginator,
    })


@login_required
@requires(FEED.name)
def feed_template(request: HttpRequest, feed_type: str) -> HttpResponse:
    """An empty workbook with the feed's headers; the ID column is formatted as text."""
    if feed_type not in FEED_SPECS:
        raise Http404
    spec = feed_spec(feed_type)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(spec.sheet)
    bold, text = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "@"})
    for col, column in enumerate(spec.columns):
        sheet.write_string(0, col, column.label, bold)
        sheet.set_column(col, col, 22 if column.key == "id_number" else 14, text if column.id_cell else None)
    workbook.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{spec.sheet}-{feed_type}.xlsx")
    return response


@login_required
@requires(FEED.name)
def feed_columns(request: HttpRequest) -> HttpResponse:
    """Each feed's columns with their header names, the county's own names, and (for the
    administrator) a form to add or remove one."""
    user = request.user
    editable = can(user, EDIT_FEED_ALIASES.name)
    form = AliasForm()
    if request.method == "POST":
        require(user, EDIT_FEED_ALIASES.name)
        if "remove" in request.POST:
            removed = FeedColumnAlias.objects.filter(pk=request.POST.get("remove"))
            restrict(user, removed, EDIT_FEED_ALIASES.name).delete()
            return redirect("monitoring:feed_columns")
        form = AliasForm(request.POST)
        if form.is_valid():
            try:
                # A name is set for the administrator's own region.
                data = form.cleaned_data
                add_alias(home_region(user) or "", data["feed_type"], data["column"], data["header"], user)
            except ValueError as exc:
                form.add_error(None, _(str(exc)))
            else:
                return redirect("monitoring:feed_columns")
    aliases = restrict(user, FeedColumnAlias.objects.all(), VIEW_FEED_ALIASES.name)
    by_type: dict[str, list[FeedColumnAlias]] = {}
    for alias in aliases:
        by_type.setdefault(alias.feed_type, []).append(alias)
    specs = [
        {"type": spec.type, "label": FeedType(spec.type).label, "columns": spec.columns,
         "aliases": by_type.get(spec.type, [])}
        for spec in FEED_SPECS.values()
    ]
    return render(request, "monitoring/feed_columns.html", {"specs": specs, "form": form, "editable": editable})
