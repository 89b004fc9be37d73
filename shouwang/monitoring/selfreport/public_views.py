"""The public self-report page (农户自主申报): no account, a phone, and nothing to learn from it.

Whatever the registry holds, a valid submission ends in the same redirect to the same thank-you
page; every message the page can show is decided before the registry is consulted (form
checks and rate limits). The form is CSRF-protected like every other POST, and the pages are
never cached, since they carry a person's details.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from shouwang.core.throttling import client_address

from . import services, tasks
from .forms import SelfReportForm


def _limited(request: HttpRequest, error: services.RateLimited) -> HttpResponse:
    response = render(request, "monitoring/public/limited.html", status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.count_client_submission(client_address(request))
        except services.RateLimited as error:
            return _limited(request, error)
        form = SelfReportForm(request.POST)
        if form.is_valid():
            data = form.to_data()
            try:
                services.count_id_submission(data.id_number.number)
            except services.RateLimited as error:
                return _limited(request, error)
            # Stored now, matched with the registry by a job: equal work for a known and an unknown ID.
            with transaction.atomic():
                tasks.start_routing(services.store_self_report(data))
            # 303: the browser fetches the thank-you page with GET, so reloading it sends nothing again.
            response = HttpResponseRedirect(reverse("public:self_report_thanks"))
            response.status_code = 303
            return response
    else:
        form = SelfReportForm()
    return render(request, "monitoring/public/report_form.html", {"form": form})


@never_cache
@require_http_methods(["GET"])
def self_report_thanks(request: HttpRequest) -> HttpResponse:
    """The same page after every report: it says what happens next, nothing about the registry."""
    return render(request, "monitoring/public/thanks.html")
