"""Every case that breaks a consistency rule, scoped to the user.

The problem list runs ``rules.find_problems`` over the user's scoped cases only, so a township
officer never learns of another township's cases.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from shouwang.cases.casefiles.models import Case
from shouwang.cases.pages import PAGE_SIZE, head_name_subquery
from shouwang.cases.procedure.deadlines import today_date
from shouwang.core.permissions import requires
from shouwang.regions.models import Region

from .rules import CHECKS, find_problems


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def problems(request: HttpRequest) -> HttpResponse:
    """Cases breaking a consistency rule (policy.md §4.1, §4.3, §6.2), optionally one rule only."""
    today = today_date()
    code = request.GET.get("check", "")
    checks = {c.code: c for c in CHECKS}
    everything = find_problems(Case.objects.restrict(request.user, "view"), today)
    counts: dict[str, int] = {}
    for problem in everything:
        counts[problem.code] = counts.get(problem.code, 0) + 1
    found = [p for p in everything if p.code == code] if code in checks else everything
    found.sort(key=lambda p: (p.region_code, p.case_id, p.code))
    paginator = Paginator(found, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ids = {p.case_id for p in page.object_list}
    cases = Case.objects.restrict(request.user, "view").filter(pk__in=ids).annotate(
        head_name=head_name_subquery()).select_related("household").in_bulk()
    villages = dict(Region.objects.filter(code__in={p.region_code for p in page.object_list}).values_list(
        "code", "name"))
    rows = [{"problem": p, "case": cases.get(p.case_id), "village": villages.get(p.region_code, p.region_code)}
            for p in page.object_list if p.case_id in cases]
    summary = [{"check": c, "count": counts.get(c.code, 0)} for c in CHECKS]
    return render(request, "cases/problems.html", {
        "page": page, "paginator": paginator, "rows": rows, "summary": summary, "selected": code if code in checks
        else "", "total": len(found),
    })
