"""Monitoring pages: the warning queue and page, counts by township, the line, the rules, screening.

Thin views: who may do what and every change is decided in the services
(:mod:`.warnings` for the lifecycle, :mod:`.services` for lines and rules, :mod:`.tasks` for
screening, :mod:`.preview` for the rule preview). Every warning is found through
``Warning.objects.restrict``: one outside the user's region answers 404.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.models import ChangeLog, Job
from shouwang.regions.models import Region
from shouwang.registry.models import HouseholdYear

from . import warnings as lifecycle
from .facts import FACTS
from .models import MonitoringLine, RiskType, Rule, RuleVersion, Warning, WarningChannel
from .preview import PreviewError, preview_rule
from .services import line_history, lines_for, may_edit, save_line, save_rule
from .tasks import JOB_KIND, may_screen, start_screening

PAGE_SIZE = 50


def _require_view(request: HttpRequest) -> None:
    if not request.user.can("view"):
        raise PermissionDenied


def _scope_villages(user) -> list[Region]:
    prefix = user.scope_prefix or ""
    if not prefix:
        return []
    return list(Region.objects.filter(code__startswith=prefix, level=Region.Level.VILLAGE).only("code", "name"))


# --- the queue ---------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False)
    village = forms.ChoiceField(label=gettext_lazy("Village"), required=False)

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = list(lifecycle.STATUS_FILTERS.items())
        self.fields["channel"].choices = [("", _("All channels"))] + list(WarningChannel.choices)
        self.fields["rule"].choices = [("", _("All rules"))] + [
            (r.code, f"{r.code} · {r.name}") for r in Rule.objects.order_by("code")
        ]
        self.fields["village"].choices = [("", _("All villages"))] + [(v.code, v.name) for v in villages]
        self.show_village = len(villages) > 1


@login_required
@require_http_methods(["GET", "HEAD"])
def warning_list(request: HttpRequest) -> HttpResponse:
    """The queue: the user's warnings, soonest deadline first, overdue ones marked."""
    _require_view(request)
    villages = _scope_villages(request.user)
    params = request.GET.copy()
    params.setdefault("status", "open")
    form = QueueFilterForm(params, villages=villages)
    on = lifecycle.today()
    warnings = lifecycle.queue(request.user, on)
    if form.is_valid():
        data = form.cleaned_data
        warnings = lifecycle.filter_status(warnings, data["status"], on)
        if data["channel"]:
            warnings = warnings.filter(channel=data["channel"])
        if data["rule"]:
            warnings = warnings.filter(rule__code=data["rule"])
        if data["village"]:
            warnings = warnings.filter(region_code=data["village"])
    else:
        warnings = warnings.none()
    paginator = Paginator(warnings, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "monitoring/warning_list.html", {
        "filter_form": form, "page": page, "paginator": paginator, "today": on,
        "overdue_count": lifecycle.queue(request.user, on).overdue(on).count(),
    })


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(code, a.label) for code, a in lifecycle.ACTIONS.items()])
    reason = forms.CharField(
        label=gettext_lazy("Reason or note"), required=False, max_length=lifecycle.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _warning(request: HttpRequest, pk: int) -> Warning:
    _require_view(request)
    return get_object_or_404(lifecycle.queue(request.user), pk=pk)


def _warning_page(request: HttpRequest, warning: Warning, *, error: str = "", status: int = 200) -> HttpResponse:
    village = warning.household.village
    township = Region.objects.filter(code=warning.region_code[:9]).first()
    context = {
        "warning": warning, "evidence": lifecycle.describe_evidence(warning),
        "transitions": warning.transitions.select_related("user").order_by("at", "id"),
        "actions": lifecycle.available_actions(request.user, warning),
        "village": village, "township": township, "error": error, "today": lifecycle.today(),
    }
    return render(request, "monitoring/warning_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _warning_page(request, _warning(request, pk))


@login_required
@require_POST
def warning_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply one action; a refusal shows the page again with the reason (403, 409 or 400)."""
    warning = _warning(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _warning_page(request, warning, error=_("Choose an action."), status=400)
    try:
        lifecycle.transition(warning, form.cleaned_data["action"], request.user, form.cleaned_data["reason"])
    except PermissionDenied as exc:
        return _warning_page(request, warning, error=str(exc), status=403)
    except lifecycle.TransitionNotAllowed as exc:
        warning.refresh_from_db()
        return _warning_page(request, warning, error=str(exc), status=409)
    except lifecycle.ReasonRequired as exc:
        return _warning_page(request, warning, error=str(exc), status=400)
    messages.success(request, _("The warning is now “%(status)s”.") % {"status": warning.get_status_display()})
    return redirect("monitoring:warning_detail", pk=warning.pk)


@login_required
@require_http_methods(["GET", "HEAD"])
def warning_counts(request: HttpRequest) -> HttpResponse:
    """Counts by township for the county (by village for a township)."""
    _require_view(request)
    on = lifecycle.today()
    rows, total = lifecycle.counts_by_area(request.user, on)
    by_village = len(request.user.scope_prefix or "") >= 9
    return render(request, "monitoring/warning_counts.html", {
        "rows": rows, "total": total, "today": on, "by_village": by_village,
    })


# --- monitoring lines --------------------------------------------------------------------------


class LineForm(forms.ModelForm):
    class Meta:
        model = MonitoringLine
        fields = ["year", "region_code", "amount", "basis", "document_number", "source"]
        widgets = {"basis": forms.Textarea(attrs={"rows": 3})}


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


def _history_rows(entries) -> list[dict]:
    rows = []
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        changed = [
            {"field": name, "before": before.get(name), "after": after.get(name)}
            for name in after if before.get(name) != after.get(name)
        ]
        rows.append({"entry": entry, "changed": changed})
    return rows


@login_required
@require_http_methods(["GET", "HEAD"])
def line_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    lines = list(lines_for(request.user))
    names = _region_names(line.region_code for line in lines)
    history: dict[str, list] = {}
    entries = ChangeLog.objects.filter(
        object_type="monitoring.monitoringline", object_id__in=[str(line.pk) for line in lines],
    ).order_by("-id")
    for entry in entries:
        history.setdefault(entry.object_id, []).append(entry)
    items = [
        {"line": line, "region_name": names.get(line.region_code, ""),
         "history": _history_rows(history.get(str(line.pk), [])),
         "editable": may_edit(request.user, line.region_code)}
        for line in lines
    ]
    return render(request, "monitoring/line_list.html", {"items": items, "can_edit": may_edit(request.user)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def line_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a line (the county administrator), through ``services.save_line``."""
    if not may_edit(request.user):
        raise PermissionDenied
    line = get_object_or_404(lines_for(request.user), pk=pk) if pk else MonitoringLine()
    if pk and not may_edit(request.user, line.region_code):
        raise PermissionDenied
    initial = {} if pk else {"region_code": (request.user.scope_prefix or "")[:6]}
    form = LineForm(request.POST or None, instance=line, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_line(form.instance, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error("region_code", str(exc))
        else:
            messages.success(request, _("The monitoring line was saved."))
            return redirect("monitoring:line_list")
    history = _history_rows(line_history(line)) if pk else []
    return render(request, "monitoring/line_form.html", {"form": form, "line": line if pk else None,
                                                          "history": history})


# --- screening rules ---------------------------------------------------------------------------


class RuleForm(forms.ModelForm):
    parameters = forms.JSONField(
        label=gettext_lazy("Parameters"), required=False,
        help_text=gettext_lazy('Numbers the expression names, as JSON, e.g. {"drop": 0.3, "ratio": 1.5}.'),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "mono-input"}),
    )

    class Meta:
        model = Rule
        fields = ["code", "name_zh", "name_en", "risk_type", "severity", "expression", "parameters", "description",
                  "active"]
        widgets = {
            "expression": forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off",
                                                "class": "mono-input"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["risk_type"].choices = [("", _("None suggested"))] + list(RiskType.choices)
        if self.instance.pk:
            # Warnings cite the code: it stays what it was.
            self.fields["code"].disabled = True

    def clean_parameters(self):
        value = self.cleaned_data.get("parameters")
        return {} if value in (None, "") else value


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


# --- screening --------------------------------------------------------------------------------


class ScreeningForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False, empty_value=None)
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)

    def __init__(self, *args: Any, user, **kwargs: Any):
        super().__init__(*args, **kwargs)
        years = (HouseholdYear.objects.restrict(user, "view").order_by("-year").values_list("year", flat=True)
                 .distinct())
        self.fields["year"].choices = [("", _("Latest year recorded"))] + [(y, str(y)) for y in years]
        prefix = user.scope_prefix or ""
        townships = Region.objects.filter(code__startswith=prefix, level=Region.Level.TOWNSHIP).only("code", "name")
        self.fields["region"].choices = [("", _("The whole region"))] + [(t.code, t.name) for t in townships]


def _require_screen(request: HttpRequest) -> None:
    if not may_screen(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def screening_start(request: HttpRequest) -> HttpResponse:
    """The county's button: start screening as a background job and watch it."""
    _require_screen(request)
    form = ScreeningForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = start_screening(request.user, year=form.cleaned_data["year"], region=form.cleaned_data["region"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("monitoring:screening_job", job_id=job.pk)
    prefix = request.user.scope_prefix or ""
    jobs = Job.objects.filter(kind=JOB_KIND, params__region__startswith=prefix).select_related("user")[:10]
    return render(request, "monitoring/screening_start.html", {"form": form, "jobs": jobs})


@login_required
@require_http_methods(["GET", "HEAD"])
def screening_job(request: HttpRequest, job_id) -> HttpResponse:
    """Progress while the job runs (the page refreshes itself), then the summary."""
    _require_screen(request)
    job = get_object_or_404(Job, pk=job_id, kind=JOB_KIND)
    if not str(job.params.get("region") or "").startswith(request.user.scope_prefix or ""):
        raise PermissionDenied
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    result = job.result or {}
    context = {
        "job": job, "finished": finished, "result": result,
        "summary_json": json.dumps(result, ensure_ascii=False, indent=2) if result else "",
        "per_rule": sorted((result.get("per_rule") or {}).items()),
        "region_name": _region_names([job.params.get("region") or ""]).get(job.params.get("region") or "", ""),
    }
    response = render(request, "monitoring/screening_job.html", context)
    if not finished:
        response["Refresh"] = "2"
    return response
