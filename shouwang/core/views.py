"""The auditor's pages: the change log and the access log, newest first, with chain verification.

Only a role with the "audit" action reaches them (三员分立: not even the administrator). An
auditor sees the entries of their region's subtree, plus entries tied to no region (failed
logins of unknown usernames, system jobs).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .audit import verify_chain
from .models import AccessLog, ChainedLogEntry, ChangeLog
from .permissions import can, requires, restrict

PAGE_SIZE = 50


def visible_entries(model: type[ChainedLogEntry], user) -> QuerySet:
    """Log entries the user may read: their region prefix, and region-less entries."""
    if not can(user, "audit"):
        return model.objects.none()
    return restrict(user, model.objects.all(), "audit") | model.objects.filter(region_code="")


class LogFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All"))] + list(actions)

    def apply(self, queryset: QuerySet) -> QuerySet:
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["user"]:
            queryset = queryset.filter(username__icontains=data["user"].strip())
        if data["object_type"]:
            queryset = queryset.filter(object_type__icontains=data["object_type"].strip())
        if data["action"]:
            queryset = queryset.filter(action=data["action"])
        if data["date_from"]:
            queryset = queryset.filter(time__date__gte=data["date_from"])
        if data["date_to"]:
            queryset = queryset.filter(time__date__lte=data["date_to"])
        return queryset


def _changed_fields(entry: ChangeLog) -> list[tuple[str, Any, Any]]:
    """(field, before, after) of what an entry changed; all fields for a create or delete."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    if entry.action == ChangeLog.Action.UPDATE:
        keys = [k for k in keys if before.get(k) != after.get(k)]
    return [(k, before.get(k), after.get(k)) for k in keys]


def _log_page(request: HttpRequest, model: type[ChainedLogEntry], template: str, title: str) -> HttpResponse:
    form = LogFilterForm(request.GET or None, actions=model.Action.choices)
    entries = visible_entries(model, request.user)
    if form.is_bound:
        entries = form.apply(entries)
    page = Paginator(entries.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    if model is ChangeLog:
        for entry in page.object_list:
            entry.changes = _changed_fields(entry)
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
