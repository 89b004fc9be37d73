"""The auditor's pages: the change log and the access log, newest first, with chain verification.

Only a role with the "audit" action reaches them (三员分立: not even the administrator). An
auditor sees the entries of their region's subtree, plus entries tied to no region (failed
logins of unknown usernames, system jobs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .anchors import verify_chain
from .audit_labels import access_field_labels, changed_fields, object_label, source_label
from .filters import LogFilter
from .models import AccessLog, ChainedLogEntry, ChangeLog
from .permissions import can, requires, restrict

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import StrPromise

PAGE_SIZE = 50


def visible_entries(model: type[ChainedLogEntry], user) -> QuerySet:
    """Log entries the user may read: their region prefix, and region-less entries."""
    entries = model._default_manager  # ``objects`` of the concrete log model
    if not can(user, "audit"):
        return entries.none()
    return restrict(user, entries.all(), "audit") | entries.filter(region_code="")


def _log_page(
    request: HttpRequest, model: type[ChainedLogEntry], template: str, title: str | StrPromise
) -> HttpResponse:
    filterset = LogFilter.for_page(request.GET, visible_entries(model, request.user), request.user)
    form = filterset.form
    page = Paginator(filterset.rows().order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.object_label = object_label(entry.object_type) if entry.object_type else ""
        entry.source_label, entry.source_code = source_label(entry.source)
        if model is ChangeLog:
            entry.changes = changed_fields(entry)
        else:
            entry.field_labels = access_field_labels(entry)
    verification = None
    if request.GET.get("verify"):
        checked, broken = verify_chain(model)
        verification = {"checked": checked, "broken": broken, "ok": not broken}
    return render(
        request,
        template,
        {
            "title": title,
            "form": form,
            "page": page,
            "verification": verification,
        },
    )


@login_required
@requires("audit")
def changelog(request: HttpRequest) -> HttpResponse:
    return _log_page(request, ChangeLog, "core/changelog.html", _("Change log"))


@login_required
@requires("audit")
def accesslog(request: HttpRequest) -> HttpResponse:
    return _log_page(request, AccessLog, "core/accesslog.html", _("Access log"))
