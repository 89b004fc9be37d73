"""The registry import pages: upload, watch the job, read and download the report, the template.

Thin views: the upload becomes a background job (:mod:`.tasks`), the checking and writing is
:mod:`.importer`'s. Only users whose role may import reach these pages (403 otherwise), and a
job is visible to the user who started it alone (404 for anyone else).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy

from shouwang.core.import_pages import (
    UPLOAD_MODES,
    XLSX_TYPE,
    check_upload,
    job_report_context,
    poll_while_running,
    report_download,
)
from shouwang.core.models import Job
from shouwang.core.permissions import requires

from .permissions import IMPORT
from .tasks import ALLOWED_SUFFIXES, KIND, start_import
from .template import build_template


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Registry file (.xlsx, .xls or .csv)"))
    file2 = forms.FileField(
        label=gettext_lazy("Second CSV file (optional)"),
        required=False,
        help_text=gettext_lazy("For CSV: one file per sheet (家庭成员 and 收支情况)."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"), choices=UPLOAD_MODES, initial="validate", widget=forms.RadioSelect
    )
    allow_partial = forms.BooleanField(
        label=gettext_lazy("Import the correct households even if other rows have errors"),
        required=False,
    )

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"), ALLOWED_SUFFIXES)

    def clean_file2(self):
        return check_upload(self.cleaned_data.get("file2"), ALLOWED_SUFFIXES)


def _own_job(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(Job, pk=job_id, kind=KIND, user=request.user)


@login_required
@requires(IMPORT.name)
def import_page(request: HttpRequest) -> HttpResponse:
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
@requires(IMPORT.name)
def import_status(request: HttpRequest, job_id) -> HttpResponse:
    context = job_report_context(_own_job(request, job_id))
    return poll_while_running(render(request, "registry/import_status.html", context), context)


@login_required
@requires(IMPORT.name)
def import_report(request: HttpRequest, job_id, fmt: str) -> HttpResponse:
    return report_download(_own_job(request, job_id), fmt, object_type="registry_import_report",
                           filename="import-report")


@login_required
@requires(IMPORT.name)
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "农户档案导入模板.xlsx")
    return response
