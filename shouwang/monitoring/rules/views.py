"""Screening rule pages: the rules, a rule with its versions, editing one, and the live check.

Thin views: who may edit and every change is decided in :mod:`.services` (``save_rule``); the
check while typing is :mod:`.preview`'s.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.regions.models import Region

from ..lines.services import may_edit
from ..warnings import services as lifecycle
from .facts import FACTS
from .forms import RuleForm
from .models import Rule, RuleVersion
from .preview import PreviewError, preview_rule
from .services import save_rule


def _require_view(request: HttpRequest) -> None:
    if not request.user.can("view"):
        raise PermissionDenied


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


# --- screening rules ---------------------------------------------------------------------------


def _require_rule_editor(request: HttpRequest) -> None:
    if not may_edit(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD"])
def rule_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    rules = Rule.objects.order_by("code")
    return render(request, "monitoring/rule_list.html", {"rules": rules, "can_edit": may_edit(request.user)})


@login_required
@require_http_methods(["GET", "HEAD"])
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    rule = get_object_or_404(Rule, pk=pk)
    versions = RuleVersion.objects.filter(rule=rule).select_related("changed_by").order_by("-version")
    return render(request, "monitoring/rule_detail.html", {
        "rule": rule, "versions": versions, "can_edit": may_edit(request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a rule (administrator), validated and versioned by ``services.save_rule``."""
    _require_rule_editor(request)
    rule = get_object_or_404(Rule, pk=pk) if pk else Rule()
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            save_rule(form.instance, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Rule %(code)s was saved (version %(version)d).") % {
                "code": form.instance.code, "version": form.instance.version,
            })
            return redirect("monitoring:rule_detail", pk=form.instance.pk)
    facts = [{"name": f.name, "type": f.type, "description": f.description, "values": f.values}
             for f in FACTS.values()]
    return render(request, "monitoring/rule_form.html", {
        "form": form, "rule": rule if pk else None, "facts": facts,
        "check_url": reverse("monitoring:rule_check"),
    })


@login_required
@require_POST
def rule_check(request: HttpRequest) -> JsonResponse:
    """Validate an expression as it is typed; when it compiles, who would fire (nothing written).

    Answers ``{"ok": false, "field", "error", "line", "column"}`` or ``{"ok": true, "count",
    "households": [...], "year", "window", "facts"}``.
    """
    _require_rule_editor(request)
    raw = request.POST.get("parameters", "").strip()
    try:
        parameters = json.loads(raw) if raw else {}
    except ValueError as exc:
        return JsonResponse({"ok": False, "field": "parameters", "error": _("The parameters are not valid JSON: %(e)s")
                             % {"e": exc}, "line": None, "column": None, "offset": None})
    year_text = request.POST.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() else None
    try:
        preview = preview_rule(request.POST.get("expression", ""), parameters, request.user, year=year)
    except PreviewError as exc:
        return JsonResponse(exc.as_dict())
    names = _region_names({h.region_code for h in preview.households})
    return JsonResponse({
        "ok": True, "year": preview.year, "count": preview.count, "facts": preview.facts,
        "window": [d.isoformat() for d in preview.window] if preview.window else None,
        "households": [
            {"id": h.household_id, "number": h.number, "village": names.get(h.region_code, h.region_code),
             "url": reverse("registry:household_detail", args=[h.household_id]),
             "facts": {name: lifecycle.format_value(v, name) for name, v in h.facts.items()}}
            for h in preview.households
        ],
    })
