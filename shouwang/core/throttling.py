"""API rate limits: per signed-in user (session or token) and, before sign-in, per client address.

DRF's own anonymous throttle keys on ``X-Forwarded-For`` as the client sends it, so anyone could
choose a fresh key per request; here the address is REMOTE_ADDR or the one header the
deployment's own reverse proxy overwrites (``SHOUWANG_CLIENT_IP_HEADER``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a reverse proxy, the header it sets (``SHOUWANG_CLIENT_IP_HEADER``).

    Only a header the deployment's own proxy overwrites may be trusted: ``X-Forwarded-For``
    as a client sends it would let anyone choose their own rate-limit key.
    """
    header = settings.SHOUWANG_CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "").split(",")[0].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class UserThrottle(UserRateThrottle):
    """``SHOUWANG_API_THROTTLE_USER`` requests per user, whichever token or session they use."""

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return None  # anonymous requests are counted by AnonymousThrottle


class AnonymousThrottle(AnonRateThrottle):
    """``SHOUWANG_API_THROTTLE_ANON`` requests per client address before sign-in (wrong tokens included)."""

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}
