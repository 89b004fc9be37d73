"""Warning pages: the queue, a warning's page and its actions, counts by township.

Thin views: who may do what and every change is decided in the services (:mod:`.services`
for the lifecycle). Every warning is found through ``Warning.objects.restrict``: one outside
the user's region answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.permissions import home_region, requires
from shouwang.regions.models import Region

from . import services as lifecycle
from .filters import WarningFilter
from .forms import ActionForm
from .models import Warning
from .permissions import ACT_ON_WARNING

PAGE_SIZE = 50


# --- the queue ---------------------------------------------------------------------------------


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def warning_list(request: HttpRequest) -> HttpResponse:
    """The queue: the user's warnings, soonest deadline first, overdue ones marked."""
    on = lifecycle.today()
    filterset = WarningFilter.for_page(request.GET, lifecycle.queue(request.user, on), request.user)
    paginator = Paginator(filterset.rows(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "monitoring/warning_list.html", {
        "filter_form": filterset.form, "page": page, "paginator": paginator, "today": on,
        "overdue_count": lifecycle.queue(request.user, on).overdue(on).count(),
    })


def _warning(request: HttpRequest, pk: int) -> Warning:
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
@requires("view")
@require_http_methods(["GET", "HEAD"])
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _warning_page(request, _warning(request, pk))


@login_required
@requires(ACT_ON_WARNING.name)
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
@requires("view")
@require_http_methods(["GET", "HEAD"])
def warning_counts(request: HttpRequest) -> HttpResponse:
    """Counts by township for the county (by village for a township)."""
    on = lifecycle.today()
    rows, total = lifecycle.counts_by_area(request.user, on)
    by_village = len(home_region(request.user) or "") >= 9
    return render(request, "monitoring/warning_counts.html", {
        "rows": rows, "total": total, "today": on, "by_village": by_village,
    })
