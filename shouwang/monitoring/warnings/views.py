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

from shouwang.core.permissions import can, home_region, requires
from shouwang.regions.models import Region, region_names
from shouwang.registry.households.forms import without_full_id
from shouwang.registry.households.permissions import REVEAL_PHONE

from . import services as lifecycle
from .filters import FULL_ID_REFUSAL, WarningFilter
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
    if (dropped := without_full_id(request, str(FULL_ID_REFUSAL))) is not None:
        return dropped
    on = lifecycle.today()
    filterset = WarningFilter.for_page(request.GET, lifecycle.queue(request.user, on), request.user)
    paginator = Paginator(filterset.rows(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    townships = region_names({w.region_code[:9] for w in page.object_list})
    for w in page.object_list:
        w.township_name = townships.get(w.region_code[:9], "")
        w.why = lifecycle.signal_labels(w)  # every rule and source gathered on the warning
    return render(request, "monitoring/warning_list.html", {
        "filter_form": filterset.form, "page": page, "paginator": paginator, "today": on,
        "overdue_count": lifecycle.queue(request.user, on).overdue(on).count(),
    })


def _warning(request: HttpRequest, pk: int) -> Warning:
    return get_object_or_404(lifecycle.queue(request.user), pk=pk)


def _warning_page(request: HttpRequest, warning: Warning, *, error: str = "", status: int = 200) -> HttpResponse:
    signals = lifecycle.signal_evidence(warning)
    village = warning.household.village
    township = Region.objects.filter(code=warning.region_code[:9]).first()
    context = {
        "warning": warning,
        "signals": signals, "open_signals": [item for item in signals if item.signal and item.signal.open],
        "transitions": warning.transitions.select_related("user").order_by("at", "id"),
        "actions": lifecycle.available_actions(request.user, warning),
        "village": village, "township": township, "error": error, "today": lifecycle.today(),
        "can_reveal_phone": can(request.user, REVEAL_PHONE.name, warning),
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
        # A reason per rule or source (``reason_<signal id>``); the general reason fills the empty ones.
        reasons = {int(key[7:]): value for key, value in request.POST.items()
                   if key.startswith("reason_") and key[7:].isdigit()}
        lifecycle.transition(warning, form.cleaned_data["action"], request.user, form.cleaned_data["reason"],
                             reasons=reasons)
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
