"""What every import's pages share: the upload check, the job report page's context, the download.

The registry import and the department feeds both run the two-phase engine of
:mod:`shouwang.core.imports` as a background job; their pages differ only in wording and in
what a committed row becomes, so the rest lives here once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import record_access
from .imports import Report
from .models import Job

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISSUES_SHOWN = 500  # a page lists this many problems; the download has them all
UPLOAD_MODES = [("validate", gettext_lazy("Validate only")), ("commit", gettext_lazy("Validate and import"))]


def check_upload(uploaded, suffixes: Iterable[str]):
    """A form field's clean step: the file type and the size limit, with a clear message."""
    if uploaded is None:
        return uploaded
    if Path(uploaded.name or "").suffix.lower() not in suffixes:
        raise forms.ValidationError(_("Upload an .xlsx, .xls or .csv file."))
    limit = settings.SHOUWANG_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise forms.ValidationError(_("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)})
    return uploaded


def job_report_context(job: Job) -> dict:
    """The job's progress or, once it has finished, its report with the first problems."""
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    report = Report.from_dict(job.result) if job.result else None
    issues = report.sorted_issues() if report else []
    return {
        "job": job,
        "finished": finished,
        "report": report,
        "details": report.details if report else {},
        "issues": issues[:ISSUES_SHOWN],
        "issues_total": len(issues),
        "issues_hidden": max(0, len(issues) - ISSUES_SHOWN),
        "error_count": len(report.errors) if report else 0,
        "warning_count": len(report.warnings) if report else 0,
        "commit_requested": bool(job.params.get("commit")),
        "files": job.params.get("files", []),
    }


def poll_while_running(response: HttpResponse, context: dict) -> HttpResponse:
    if not context["finished"]:
        response["Refresh"] = "2"  # the page reloads itself while the job runs; no script needed
    return response


def report_download(job: Job, fmt: str, *, object_type: str, filename: str) -> HttpResponse:
    """The job's report as xlsx or CSV (UTF-8 with BOM, cells neutralised); the export is logged."""
    if fmt not in ("xlsx", "csv") or not job.result:
        raise Http404
    report = Report.from_dict(job.result)
    buffer = io.BytesIO()
    if fmt == "xlsx":
        report.write_xlsx(buffer)
        content_type = XLSX_TYPE
    else:
        report.write_csv(buffer)
        content_type = "text/csv; charset=utf-8"
    record_access("export", object_type=object_type, object_id=job.pk,
                  detail={"format": fmt, "issues": len(report.issues)})
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}-{str(job.pk)[:8]}.{fmt}")
    return response
