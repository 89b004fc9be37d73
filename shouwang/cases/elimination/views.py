"""Re-identification (风险再标注) of an eliminated case, from its page.

Starting and rolling back an elimination are buttons of the case page, sent to the procedure's
``case_act``; the engine runs them through ``elimination.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.cases.casefiles.forms import OpenCaseForm
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.casepage import form_page, get_case
from shouwang.cases.procedure.deadlines import today_date
from shouwang.cases.procedure.refusals import ActionRefused
from shouwang.core.permissions import requires


@login_required
@requires("cases.reidentify")
@require_http_methods(["GET", "HEAD", "POST"])
def case_reidentify(request: HttpRequest, pk: int) -> HttpResponse:
    """风险再标注: a new risk after elimination opens a new identification on the same case."""
    case = get_case(request, pk)
    initial = {"category": case.category, "first_clue_date": today_date()}
    form = OpenCaseForm(request.POST or None, initial=initial)
    title = _("Identify again for a new risk")
    if request.method == "POST" and form.is_valid():
        data = {
            "risk_types": [rt.code for rt in form.cleaned_data["risk_types"]],
            "category": form.cleaned_data["category"],
            "first_clue_date": form.cleaned_data["first_clue_date"].isoformat(),
        }
        try:
            engine.perform(case, "reidentify", request.user, data=data, reason=request.POST.get("reason", ""))
        except ActionRefused as exc:
            messages.error(request, exc.reason)
            return form_page(request, case, form, title=title, action_name="reidentify",
                             template="cases/reidentify_form.html", status=exc.status_code)
        messages.success(request, _("A new identification was started."))
        return redirect("cases:case_detail", pk=case.pk)
    return form_page(request, case, form, title=title, action_name="reidentify",
                     template="cases/reidentify_form.html", status=400 if request.method == "POST" else 200)
