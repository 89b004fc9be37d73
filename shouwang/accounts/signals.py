"""Login signal receivers: count failures toward the account's and the client address's lock, clear
the account's on success, log both; and, at login, start the session's clock and decide what it
still owes (a second factor, a new password).

Connected in ``AccountsConfig.ready``."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import auth


def on_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    from shouwang.core.throttling import client_address

    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    locked = auth.register_failure(username)
    client_locked = auth.register_client_failure(client_address(request)) if request is not None else False
    auth.log_failure(username, locked=locked, client_locked=client_locked)


def on_logged_in(sender, request, user, **kwargs) -> None:
    from . import passwords, sessions, two_factor

    auth.register_success(user.get_username())
    auth.log_success(user)
    if request is not None and hasattr(request, "session"):
        sessions.start(request)
        two_factor.mark_login(request, user)
        request.session[passwords.EXPIRED_SESSION_KEY] = passwords.expired(user)
