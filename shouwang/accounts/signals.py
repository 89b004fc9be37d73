"""Login signal receivers: count failures toward the lock, clear them on success, log both.

Connected in ``AccountsConfig.ready``."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import auth


def on_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    locked = auth.register_failure(username)
    auth.log_failure(username, locked=locked)


def on_logged_in(sender, request, user, **kwargs) -> None:
    auth.register_success(user.get_username())
    auth.log_success(user)
