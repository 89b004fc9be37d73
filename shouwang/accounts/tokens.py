"""API tokens (django-rest-knox): a user has at most one, shown once, stored only as a digest.

The token goes in the ``Authorization: Token …`` header. The database keeps its SHA-512 digest
and the first characters (to find the row), never the token itself, so a copy of the database
or of a backup lets nobody call the API. Each token expires after ``SHOUWANG_API_TOKEN_DAYS``
days (then it is refused and deleted); issuing a new one revokes the old. Wrong tokens are
counted per client address and refused with 429 beyond ``SHOUWANG_API_THROTTLE_ANON``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.models import AuthToken
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from shouwang.core.throttling import client_address

from .models import User


@transaction.atomic
def issue_token(user: User) -> str:
    """A new token for ``user``, replacing any earlier one; the only moment its text is known."""
    revoke_tokens(user)
    _, token = AuthToken.objects.create(user=user, expiry=timedelta(days=settings.SHOUWANG_API_TOKEN_DAYS))
    return token


def revoke_tokens(user: User) -> int:
    """Delete every API token of ``user``; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


class _FailedTokenThrottle(SimpleRateThrottle):
    """Wrong tokens per client address, at the anonymous rate; right ones are never counted."""

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "token-failure", "ident": client_address(request)}


class TokenAuthentication(knox_auth.TokenAuthentication):
    """Knox's token check, refusing an address that keeps presenting wrong tokens.

    DRF checks its throttles after authentication, so a wrong token (refused during
    authentication) would never be counted there: guessing is counted here instead.
    """

    def authenticate(self, request):
        throttle = _FailedTokenThrottle()
        limit, window = throttle.parse_rate(throttle.get_rate())
        limit, window = limit or 1, window or 60
        key = throttle.get_cache_key(request, None)
        now = throttle.timer()
        failures = [t for t in throttle.cache.get(key, []) if t > now - window]
        if len(failures) >= limit:
            raise exceptions.Throttled(wait=window - (now - failures[-1]))
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.cache.set(key, [now, *failures], window)
            raise


class TokenScheme(KnoxTokenScheme):
    """The token in the API schema and documentation page: ``Authorization: Token …``."""

    target_class = "shouwang.accounts.tokens.TokenAuthentication"
    name = "tokenAuth"
