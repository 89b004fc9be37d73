"""Gap pages: the policies with their gaps in the user's region, and one policy's gaps by area
with the lists and their reasons. Thin views over :mod:`.services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.permissions import can, requires
from shouwang.monitoring.rules.compiler import RuleError
from shouwang.regions.models import Region

from . import services as service
from .permissions import RAISE_GAP_WARNINGS

PAGE_SIZE = 30


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year") or request.POST.get("year") or ""
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def gap_index(request: HttpRequest) -> HttpResponse:
    """Each active policy in force with its two gaps' counts in the user's region."""
    year = _year(request)
    region = service.within(request.user)
    rows = []
    for policy in service.policies_for(region):
        if not policy.in_force(year):
            continue
        try:
            rows.append({"policy": policy,
                         "not_enrolled": service.not_enrolled(policy, year, region, user=request.user).count(),
                         "not_eligible": service.not_eligible(policy, year, region, user=request.user).count()})
        except RuleError as exc:
            rows.append({"policy": policy, "error": str(exc)})
    return render(request, "revitalization/gaps/index.html", {"rows": rows, "year": year})


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def gap_policy(request: HttpRequest, pk: int) -> HttpResponse:
    """One policy: counts by township or village, and one gap's list with the reasons."""
    policy = get_object_or_404(service.policies_for(service.within(request.user)), pk=pk)
    year = _year(request)
    region = service.within(request.user, request.GET.get("region", ""))
    kind = str(request.GET.get("kind", ""))
    kind = kind if kind in service.KINDS else service.NOT_ENROLLED
    context = {"policy": policy, "year": year, "kind": kind, "kinds": service.KINDS, "region": region,
               "region_obj": Region.objects.filter(code=region).first(),
               "can_raise": can(request.user, RAISE_GAP_WARNINGS.name), "person": service.is_person_policy(policy)}
    try:
        areas, total = service.counts_by_area(policy, year, region, user=request.user)
        page = Paginator(service.gap_rows(kind, policy, year, region, user=request.user), PAGE_SIZE).get_page(
            request.GET.get("page"))
        rows = service.describe(page.object_list, policy, year)
    except RuleError as exc:
        context["error"] = str(exc)
        return render(request, "revitalization/gaps/policy.html", context)
    drill = len(region) < 12
    context |= {"areas": areas, "total": total, "page": page, "rows": rows, "drill": drill}
    return render(request, "revitalization/gaps/policy.html", context)


@login_required
@requires(RAISE_GAP_WARNINGS.name)
@require_POST
def gap_warnings(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the policy's gaps in the user's region to the warning queues (again: nothing new)."""
    policy = get_object_or_404(service.policies_for(service.within(request.user)), pk=pk)
    year = _year(request)
    added = service.raise_warnings(policy, year, service.within(request.user))
    messages.success(request, _("%(n)d households were added to the warning queues (%(a)d eligible but not "
                                "enrolled, %(b)d enrolled but not eligible).") % {
        "n": sum(added.values()), "a": added[service.NOT_ENROLLED], "b": added[service.NOT_ELIGIBLE]})
    return redirect(f"{reverse('revitalization:gap_policy', args=[policy.pk])}?year={year}")
