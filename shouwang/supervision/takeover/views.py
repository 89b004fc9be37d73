"""The takeover pages: the upload and its report, the synonym table, the reconciliation list.

Thin views: the upload becomes a background job (:mod:`.tasks`), the reading and writing is the
importer's, the synonyms and the resolving are :mod:`.services`'. A takeover job is visible to the
user who started it alone (404 for anyone else); the reconciliation list is the user's region's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.import_pages import job_report_context, poll_while_running, report_download
from shouwang.core.models import Job
from shouwang.core.permissions import can, requires
from shouwang.regions.models import region_names
from shouwang.registry.households.queries import head_name
from shouwang.supervision.quality.services import national_code, rule_label

from . import services
from .filters import ReconciliationFilter
from .forms import ResolveForm, SynonymForm, TakeoverForm, table_label
from .models import NationalSynonym
from .permissions import IMPORT_NATIONAL, MANAGE_SYNONYMS, RESOLVE_RECONCILIATION, VIEW_SYNONYMS
from .tasks import KIND, start_takeover

PAGE_SIZE = 50

# The counts of a takeover report, in the order the page lists them.
COUNTED = (
    ("households", gettext_lazy("Households")),
    ("members", gettext_lazy("Members")),
    ("years", gettext_lazy("Income years")),
    ("cases", gettext_lazy("Cases")),
)


def _own_job(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(Job, pk=job_id, kind=KIND, user=request.user)


# --- the upload and its report ----------------------------------------------------------------------


@login_required
@requires(IMPORT_NATIONAL.name)
def takeover_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = TakeoverForm(request.POST, request.FILES)
        if form.is_valid():
            job = start_takeover(
                request.user, form.cleaned_data["files"], year=form.cleaned_data["year"],
                commit=form.cleaned_data["mode"] == "commit", allow_partial=form.cleaned_data["allow_partial"],
            )
            return redirect("supervision:takeover_status", job_id=job.pk)
    else:
        form = TakeoverForm()
    jobs = Job.objects.filter(kind=KIND, user=request.user).order_by("-created_at")[:10]
    return render(request, "supervision/takeover/upload.html", {
        "form": form, "jobs": jobs,
        "can_manage_synonyms": can(request.user, MANAGE_SYNONYMS.name),
    })


def _counts(details: dict[str, Any]) -> list[dict[str, Any]]:
    """The created/updated/unchanged counts of each kind of record the report names."""
    rows = []
    for key, label in COUNTED:
        counts = details.get(key)
        if isinstance(counts, dict):
            rows.append({"label": label, **{k: counts.get(k, 0) for k in ("created", "updated", "unchanged")}})
    return rows


def _quality(details: dict[str, Any]) -> list[dict[str, Any]]:
    """The data-quality findings of the imported records: each rule with its count and the link
    to the findings page filtered by it."""
    rules = (details.get("quality") or {}).get("rules") or {}
    url = reverse("supervision:quality_index")
    return [
        {"code": code, "label": rule_label(code), "national": national_code(code), "n": n,
         "url": f"{url}?rule={code}"}
        for code, n in sorted(rules.items()) if n
    ]


def _count_of(value: Any) -> int:
    """A count the report gives as a number or as the list of what it counts."""
    if isinstance(value, (list, tuple, dict)):
        return len(value)
    return int(value or 0)


@login_required
@requires(IMPORT_NATIONAL.name)
def takeover_status(request: HttpRequest, job_id) -> HttpResponse:
    context = job_report_context(_own_job(request, job_id))
    details = context["details"]
    context.update({
        "year": context["job"].params.get("year"),
        "counts": _counts(details),
        "reconciliation": _count_of(details.get("reconciliation")),
        "unknown_headers": [str(h) for h in details.get("unknown_headers") or []],
        "quality_ran": bool(details.get("quality")),
        "quality_rules": _quality(details),
        "can_manage_synonyms": can(request.user, MANAGE_SYNONYMS.name),
    })
    return poll_while_running(render(request, "supervision/takeover/status.html", context), context)


@login_required
@requires(IMPORT_NATIONAL.name)
def takeover_report(request: HttpRequest, job_id, fmt: str) -> HttpResponse:
    return report_download(_own_job(request, job_id), fmt, object_type="national_takeover_report",
                           filename="takeover-report")


# --- the synonym table ------------------------------------------------------------------------------


def _synonym_page(request: HttpRequest, form: SynonymForm | None, table: str) -> HttpResponse:
    synonyms = list(NationalSynonym.objects.select_related("created_by").order_by("table", "text"))
    for synonym in synonyms:
        synonym.table_label = table_label(synonym.table)
        synonym.meaning = services.synonym_values(synonym.table).get(synonym.value, synonym.value)
    return render(request, "supervision/takeover/synonyms.html", {
        "synonyms": synonyms, "form": form, "table": table, "table_label": table_label(table),
        "tables": [(t, table_label(t)) for t in services.synonym_tables()],
    })


@login_required
@requires(VIEW_SYNONYMS.name)
@require_http_methods(["GET", "HEAD"])
def synonym_list(request: HttpRequest) -> HttpResponse:
    """The county's synonyms; for the administrator, the form to add one to the table chosen
    (``table``, ``text``: prefilled from an import report's unknown headers)."""
    table = request.GET.get("table", services.HEADER)
    if table not in services.synonym_tables():
        table = services.HEADER
    form = None
    if can(request.user, MANAGE_SYNONYMS.name):
        form = SynonymForm(table=table, initial={"text": request.GET.get("text", "")[:100]})
    return _synonym_page(request, form, table)


@login_required
@requires(MANAGE_SYNONYMS.name)
@require_POST
def synonym_add(request: HttpRequest) -> HttpResponse:
    form = SynonymForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            synonym = services.add_synonym(request.user, data["table"], data["text"], data["value"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("“%(text)s” was added to the synonym table.") % {"text": synonym.text})
            return redirect(f"{reverse('supervision:takeover_synonyms')}?table={synonym.table}")
    return _synonym_page(request, form, form.table)


@login_required
@requires(MANAGE_SYNONYMS.name)
@require_POST
def synonym_delete(request: HttpRequest, pk: int) -> HttpResponse:
    synonym = get_object_or_404(NationalSynonym, pk=pk)
    services.delete_synonym(request.user, synonym)
    messages.success(request, _("“%(text)s” was removed from the synonym table.") % {"text": synonym.text})
    return redirect(f"{reverse('supervision:takeover_synonyms')}?table={synonym.table}")


# --- the reconciliation list -----------------------------------------------------------------------


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def reconciliation_list(request: HttpRequest) -> HttpResponse:
    """What the national data says differently from Shouwang's own later work, in the user's region."""
    items = services.reconciliation_for(request.user).annotate(head_name=head_name())
    filterset = ReconciliationFilter.for_page(request.GET, items, request.user)
    paginator = Paginator(filterset.rows().order_by("region_code", "household__number", "field", "id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    townships = region_names({item.region_code[:9] for item in page.object_list})
    for item in page.object_list:
        item.township_name = townships.get(item.region_code[:9], "")
        item.field_label = services.field_label(item.field)
    return render(request, "supervision/takeover/reconciliation.html", {
        "filter_form": filterset.form, "page": page, "paginator": paginator,
        "can_resolve": can(request.user, RESOLVE_RECONCILIATION.name), "resolve_form": ResolveForm(),
        "can_import": can(request.user, IMPORT_NATIONAL.name),
    })


@login_required
@requires(RESOLVE_RECONCILIATION.name)
@require_POST
def reconciliation_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(services.reconciliation_for(request.user, RESOLVE_RECONCILIATION.name), pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done: the note is required."))
    else:
        try:
            services.resolve_item(request.user, item, form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The item of household %(number)s is resolved.") % {
                "number": item.household.number})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("supervision:takeover_reconciliation")
    return redirect(target)
