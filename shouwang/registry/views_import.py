"""The registry import pages: upload, watch the job, read and download the report, the template.

Thin views: the upload becomes a background job (:mod:`.tasks`), the checking and writing is
:mod:`.importer`'s. Only users whose role may import reach these pages (403 otherwise), and a
job is visible to the user who started it alone (404 for anyone else).
"""

from __future__ import annotations

import io
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import record_access
from shouwang.core.imports import Report
from shouwang.core.models import Job

from .tasks import ALLOWED_SUFFIXES, KIND, start_import
from .template import build_template

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISSUES_SHOWN = 500  # the page lists this many; the download has them all


class ImportForm(forms.Form):
    MODES = [("validate", gettext_lazy("Validate only")), ("commit", gettext_lazy("Validate and import"))]

    file = forms.FileField(label=gettext_lazy("Registry file (.xlsx, .xls or .csv)"))
    file2 = forms.FileField(
        label=gettext_lazy("Second CSV file (optional)"),
        required=False,
        help_text=gettext_lazy("For CSV: one file per sheet (家庭成员 and 收支情况)."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"), choices=MODES, initial="validate", widget=forms.RadioSelect
    )
    allow_partial = forms.BooleanField(
        label=gettext_lazy("Import the correct households even if other rows have errors"),
        required=False,
    )

    def _check_file(self, uploaded):
        if uploaded is None:
            return uploaded
        if Path(uploaded.name or "").suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Upload an .xlsx, .xls or .csv file."))
        limit = settings.SHOUWANG_UPLOAD_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}
            )
        return uploaded

    def clean_file(self):
        return self._check_file(self.cleaned_data.get("file"))

    def clean_file2(self):
        return self._check_file(self.cleaned_data.get("file2"))


def _require_import(request: HttpRequest) -> None:
    if not request.user.can("import"):
        raise PermissionDenied


def _own_job(request: HttpRequest, job_id) -> Job:
    _require_import(request)
    return get_object_or_404(Job, pk=job_id, kind=KIND, user=request.user)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            uploads = [f for f in (form.cleaned_data["file"], form.cleaned_data.get("file2")) if f]
            job = start_import(
                request.user,
                uploads,
                commit=form.cleaned_data["mode"] == "commit",
                allow_partial=form.cleaned_data["allow_partial"],
            )
            return redirect("registry:import_status", job_id=job.pk)
    else:
        form = ImportForm()
    jobs = Job.objects.filter(kind=KIND, user=request.user).order_by("-created_at")[:10]
    return render(request, "registry/import.html", {"form": form, "jobs": jobs})


@login_required
def import_status(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id)
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    report = Report.from_dict(job.result) if job.result else None
    issues = report.sorted_issues() if report else []
    context = {
        "job": job,
        "finished": finished,
        "report": report,
        "issues": issues[:ISSUES_SHOWN],
        "issues_total": len(issues),
        "issues_hidden": max(0, len(issues) - ISSUES_SHOWN),
        "error_count": len(report.errors) if report else 0,
        "warning_count": len(report.warnings) if report else 0,
        "commit_requested": bool(job.params.get("commit")),
        "files": job.params.get("files", []),
    }
    response = render(request, "registry/import_status.html", context)
    if not finished:
        response["Refresh"] = "2"  # poll while the job runs; no script needed
    return response


@login_required
def import_report(request: HttpRequest, job_id, fmt: str) -> HttpResponse:
    job = _own_job(request, job_id)
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
    record_access(
        "export",
        object_type="registry_import_report",
        object_id=job.pk,
        detail={"format": fmt, "issues": len(report.issues)},
    )
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, f"import-report-{str(job.pk)[:8]}.{fmt}"
    )
    return response


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "农户档案导入模板.xlsx")
    return response
