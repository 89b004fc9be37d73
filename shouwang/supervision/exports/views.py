"""Export pages: start an export from a list page, watch its progress, download the file.

Thin views over :mod:`.services`: the service decides scope, masking and logging. A user only
ever sees and downloads their own export jobs (another user's job id answers 404).
"""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shouwang.core.models import Job
from shouwang.core.permissions import can, require, requires

from . import services as exports


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "supervision:export_list"


# The names the lists' filters give their parameters, as the export form shows them.
FILTER_LABELS = {
    "q": gettext_lazy("Search"), "village": gettext_lazy("Village"), "township": gettext_lazy("Township"),
    "region": gettext_lazy("Region"), "status": gettext_lazy("Status"), "year": gettext_lazy("Year"),
    "channel": gettext_lazy("Channel"), "rule": gettext_lazy("Rule"), "category": gettext_lazy("Category"),
    "household_type": gettext_lazy("Household type"), "period": gettext_lazy("Assessment period"),
    "feed": gettext_lazy("Feed"), "severity": gettext_lazy("Severity"), "check": gettext_lazy("Consistency check"),
    "kind": gettext_lazy("Kind"), "joint": gettext_lazy("Joint identification"), "policy": gettext_lazy("Policy"),
    "gap": gettext_lazy("Gap"), "side": gettext_lazy("Entering or leaving"), "scenario": gettext_lazy("Scenario"),
    "goal": gettext_lazy("Goal"), "source": gettext_lazy("Source"), "layer": gettext_lazy("Layer"),
}


def _filter_labels(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """The list's filters keyed by their names in the page's language (the parameter where none is known)."""
    return {str(FILTER_LABELS.get(key, key)): values for key, values in query.items()}


@login_required
@requires("supervision.export")
@require_http_methods(["GET", "HEAD", "POST"])
def export_start(request: HttpRequest, name: str) -> HttpResponse:
    """Start an export of list ``name`` with the list page's filters (the query string).

    GET shows the export form with its options (the reason field for full ID and phone numbers,
    to a user who may unmask); POST starts it. A small set comes back as the file in this
    response; a large one goes to its progress page.
    """
    try:
        spec = exports.get_export(name)
    except exports.ExportError:
        raise Http404 from None
    require(request.user, spec.action, message=_("You may not export this list."))
    if request.method != "POST":
        return render(request, "supervision/export_form.html", {
            "spec": spec, "query": _filter_labels(exports.params_to_dict(request.GET)),
            "query_string": request.GET.urlencode(),
            "can_unmask": spec.has_personal_data and can(request.user, "supervision.export_unmasked"),
            "form_params": [(name, label, request.GET.get(name, "")) for name, label in spec.form_params],
        })
    reason = exports.clean_reason(request.POST.get("reason")) if request.POST.get("unmask") else ""
    if request.POST.get("unmask") and not reason:
        messages.error(request, _("A reason is required to export full ID and phone numbers."))
        return redirect(_back(request))
    params = request.GET.copy()
    for key, value in request.POST.items():
        if key.startswith("filter_") and value:
            params[key[len("filter_"):]] = value
    try:
        job = exports.start_export(
            request.user, name, params, fmt=request.POST.get("format", "xlsx"), reason=reason,
        )
    except exports.ExportError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request))
    if not job.params.get("background") and job.status == Job.Status.SUCCEEDED:
        return _file_response(request, job)
    return redirect("supervision:export_status", job_id=job.pk)


def _own_job(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(exports.user_export_jobs(request.user), pk=job_id)


@login_required
@requires("supervision.export", answers_by_scope=True)  # one's own exports only
@require_http_methods(["GET", "HEAD"])
def export_status(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id)
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    spec = None
    with contextlib.suppress(exports.ExportError):
        spec = exports.get_export(job.params.get("export", ""))
    available = finished and job.status == Job.Status.SUCCEEDED and exports.export_path(job).is_file()
    response = render(request, "supervision/export_status.html", {
        "job": job, "spec": spec, "finished": finished, "available": available,
    })
    if not finished:
        response["Refresh"] = "2"  # the page reloads itself while the job runs; no script needed
    add_never_cache_headers(response)
    return response


def _file_response(request: HttpRequest, job: Job) -> HttpResponse:
    path = exports.export_path(job)
    if not path.is_file():
        raise Http404
    if request.method != "HEAD":  # every download is in the access log, the first and each again
        exports.record_download(job)
    fmt = job.params.get("format", "xlsx")
    response = FileResponse(path.open("rb"), content_type=exports.CONTENT_TYPES.get(fmt, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(True, exports.download_name(job))
    add_never_cache_headers(response)
    return response


@login_required
@requires("supervision.export", answers_by_scope=True)  # one's own exports only
@require_http_methods(["GET", "HEAD"])
def export_download(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id)
    if job.status != Job.Status.SUCCEEDED:
        raise Http404
    return _file_response(request, job)


@login_required
@requires("supervision.export", answers_by_scope=True)  # one's own exports only
@require_http_methods(["GET", "HEAD"])
def export_list(request: HttpRequest) -> HttpResponse:
    """The user's recent exports."""
    jobs = list(exports.user_export_jobs(request.user).order_by("-created_at")[:50])
    specs = exports.exports_for(request.user)
    titles = {spec.name: spec.title for spec in specs}
    for job in jobs:
        job.export_title = titles.get(job.params.get("export", ""), job.params.get("export", ""))
    # Exports with a form of their own (no list page): started from here.
    offered = [spec for spec in specs if spec.form_params]
    return render(request, "supervision/export_list.html", {"jobs": jobs, "offered": offered})
