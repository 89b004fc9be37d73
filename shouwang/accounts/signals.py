"""Login signals: count failures toward the lock, clear them on success, log both."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from . import auth


@receiver(user_login_failed, dispatch_uid="shouwang-login-failed")
def on_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    locked = auth.register_failure(username)
    auth.log_failure(username, locked=locked)


@receiver(user_logged_in, dispatch_uid="shouwang-logged-in")
def on_logged_in(sender, request, user, **kwargs) -> None:
    auth.register_success(user.get_username())
    auth.log_success(user)
