"""Policy pages: the county's catalogue, one policy with its rule, versions and eligible counts, editing.

Thin views: who may see and change what is decided in :mod:`.permissions`; every change goes through
``services.save_policy`` (checked and versioned); who is eligible is ``eligibility.eligible``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core.permissions import can, home_region, requires, restrict
from shouwang.core.regioncodes import level_of
from shouwang.monitoring.rules.facts import FLAG, NUMBER
from shouwang.monitoring.rules.wording import describe_condition, fact_label

from .facts import MEMBER_FACT_NAMES, registry
from .filters import PolicyFilter
from .forms import PolicyForm
from .models import Policy, PolicyVersion
from .permissions import MANAGE_POLICY, VIEW_POLICY
from .services import eligible_by_township, latest_year, save_policy

PAGE_SIZE = 50


def _policies(request: HttpRequest):
    return restrict(request.user, Policy.objects.select_related("measure_type"), VIEW_POLICY.name)


@login_required
@requires(VIEW_POLICY.name)
@require_http_methods(["GET", "HEAD"])
def policy_list(request: HttpRequest) -> HttpResponse:
    flt = PolicyFilter.for_page(request.GET, _policies(request).order_by("region_code", "code"), request.user)
    paginator = Paginator(flt.rows(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for policy in page.object_list:
        policy.words = describe_condition(policy.expression, policy.parameters, facts=registry(policy.subject))
    return render(request, "revitalization/policies/policy_list.html", {
        "filter": flt, "page": page, "paginator": paginator,
        "can_manage": can(request.user, MANAGE_POLICY.name),
    })


def _year(request: HttpRequest, county: str) -> int | None:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return latest_year(county)
    return year if 2000 <= year <= 2100 else latest_year(county)


@login_required
@requires(VIEW_POLICY.name)
@require_http_methods(["GET", "HEAD"])
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(_policies(request), pk=pk)
    facts = registry(policy.subject)
    versions = list(PolicyVersion.objects.filter(policy=policy).select_related("changed_by").order_by("-version"))
    rows = [{"version": v, "words": describe_condition(v.expression, v.parameters, facts=facts)} for v in versions]
    year = _year(request, policy.region_code)
    # Counted within the user's region where it lies inside the county (a township sees its own).
    prefix = home_region(request.user) or ""
    region = prefix if prefix.startswith(policy.region_code) else ""
    counts, error = [], ""
    if year is not None:
        try:
            counts = eligible_by_township(policy, year, region)
        except ValueError as exc:  # a rule that no longer compiles (a fact renamed)
            error = str(exc)
    return render(request, "revitalization/policies/policy_detail.html", {
        "policy": policy, "words": describe_condition(policy.expression, policy.parameters, facts=facts),
        "versions": rows, "year": year, "counts": counts, "error": error,
        "in_force": policy.in_force(year) if year is not None else True,
        "total_households": sum(c["households"] for c in counts),
        "total_people": sum(c["people"] or 0 for c in counts),
        "can_manage": can(request.user, MANAGE_POLICY.name, policy),
    })


def _county_of(user) -> str:
    prefix = home_region(user) or ""
    return prefix if level_of(prefix) == "county" else ""


@login_required
@requires(MANAGE_POLICY.name)
@require_http_methods(["GET", "HEAD", "POST"])
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a policy of the user's county; the rule is checked before anything is saved."""
    if pk:
        policy = get_object_or_404(_policies(request), pk=pk)
        if not can(request.user, MANAGE_POLICY.name, policy):
            raise PermissionDenied(MANAGE_POLICY.refusal)
    else:
        policy = Policy(region_code=_county_of(request.user))
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            save_policy(form.instance, request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Policy %(code)s was saved (version %(version)d).") % {
                "code": form.instance.code, "version": form.instance.version,
            })
            return redirect("revitalization:policy_detail", pk=form.instance.pk)
    facts = [{"name": f.name, "label": fact_label(f.name, registry("person")), "type": f.type,
              "description": f.description, "values": f.values, "member": f.name in MEMBER_FACT_NAMES}
             for f in registry("person").values()]
    return render(request, "revitalization/policies/policy_form.html", {
        "form": form, "policy": policy if pk else None, "facts": facts, "NUMBER": NUMBER, "FLAG": FLAG,
    })
