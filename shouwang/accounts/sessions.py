"""Absolute session lifetime (security.md G17, ASVS 7.3.2): a session ends
``SHOUWANG_SESSION_ABSOLUTE_SECONDS`` (8 h by default) after its login, however active it has been.

The idle timeout is Django's own (``SESSION_COOKIE_AGE``, renewed on every request); this is the
bound the renewal cannot push back. The login time is kept in the session itself.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

LOGIN_AT_SESSION_KEY = "shouwang_login_at"


def start(request: HttpRequest) -> None:
    request.session[LOGIN_AT_SESSION_KEY] = int(time.time())


def ended(request: HttpRequest) -> bool:
    """Whether the signed-in session has outlived its absolute lifetime.

    A session without a login time (made before this rule existed) starts its clock now."""
    started = request.session.get(LOGIN_AT_SESSION_KEY)
    if started is None:
        start(request)
        return False
    return time.time() - float(started) >= settings.SHOUWANG_SESSION_ABSOLUTE_SECONDS
