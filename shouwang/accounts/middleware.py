"""What a signed-in session may reach before it is complete: the login state machine.

After the password, a session may still owe something, and until it is paid only the pages that
collect it (and logout, the language switch) answer:

* the second factor (``two_factor.is_pending``): the verify page, or the enrolment page for an
  account without an app yet;
* a new password, when the old one expired (``passwords.EXPIRED_SESSION_KEY``, set at login).

A session older than its absolute lifetime (``sessions.ended``) is logged out first. Pages are
redirected; the API answers 403 with a JSON body. API token requests are authenticated inside
DRF, after this, and are not sessions.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from . import passwords, sessions, two_factor

# Open in every state: leaving, and choosing the language of the page that asks.
ALWAYS_OPEN = frozenset({"login", "logout", "set_language", "healthz"})
TWO_FACTOR_PAGES = frozenset({"accounts:verify", "accounts:enrol"})
PASSWORD_PAGES = frozenset({"accounts:password_change"})


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _send_to(request: HttpRequest, url: str, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": message}, status=403)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


class LoginStateMiddleware:
    """Place after the authentication and message middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._gate(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _gate(self, request: HttpRequest, user) -> HttpResponse | None:
        if sessions.ended(request):
            logout(request)
            messages.info(request, _("Your session has ended after its maximum length. Please log in again."))
            return None  # the page now sees an anonymous visitor and answers as it does for one
        if two_factor.is_pending(request):
            name = _url_name(request)
            if name in ALWAYS_OPEN or name in TWO_FACTOR_PAGES:
                return None
            target = "accounts:verify" if two_factor.has_app(user) else "accounts:enrol"
            return _send_to(request, reverse(target), _("Finish logging in with your second factor first."))
        if request.session.get(passwords.EXPIRED_SESSION_KEY):
            name = _url_name(request)
            if name in ALWAYS_OPEN or name in PASSWORD_PAGES:
                return None
            return _send_to(request, reverse("accounts:password_change"),
                            _("Your password has expired. Choose a new one first."))
        return None
