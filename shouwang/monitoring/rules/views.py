"""Screening rule pages: the rules, a rule with its versions, editing one.

Thin views: who may edit and every change is decided in :mod:`.services` (``save_rule``). The
check while typing runs the screening engine, so it lives with screening
(``shouwang.monitoring.screening.views.rule_check``; the URL stays ``monitoring:rule_check``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core.permissions import can, requires

from .facts import FACTS
from .forms import RuleForm
from .models import Rule, RuleVersion
from .permissions import EDIT_RULE, VIEW_RULE
from .services import save_rule
from .wording import fact_label

# --- screening rules ---------------------------------------------------------------------------


@login_required
@requires(VIEW_RULE.name)
@require_http_methods(["GET", "HEAD"])
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = Rule.objects.order_by("code")
    context = {"rules": rules, "can_edit": can(request.user, EDIT_RULE.name)}
    return render(request, "monitoring/rule_list.html", context)


@login_required
@requires(VIEW_RULE.name)
@require_http_methods(["GET", "HEAD"])
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    versions = RuleVersion.objects.filter(rule=rule).select_related("changed_by").order_by("-version")
    return render(request, "monitoring/rule_detail.html", {
        "rule": rule, "versions": versions, "can_edit": can(request.user, EDIT_RULE.name),
    })


@login_required
@requires(EDIT_RULE.name)
@require_http_methods(["GET", "HEAD", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a rule (administrator), validated and versioned by ``services.save_rule``."""
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
    facts = [{"name": f.name, "label": fact_label(f.name), "type": f.type, "description": f.description,
              "values": f.values} for f in FACTS.values()]
    return render(request, "monitoring/rule_form.html", {
        "form": form, "rule": rule if pk else None, "facts": facts,
        "fact_types": {f.name: f.type for f in FACTS.values()},
        "fact_labels": {f.name: fact_label(f.name) for f in FACTS.values()},
        "check_url": reverse("monitoring:rule_check"),
    })
