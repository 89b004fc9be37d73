"""Authentication backend that refuses a locked account, whatever the password."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from . import (
    auth,
    signals,  # noqa: F401  (connects the login receivers)
)


class LockoutModelBackend(ModelBackend):
    """``ModelBackend`` behind the login lock; use it in ``AUTHENTICATION_BACKENDS``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        from shouwang.core.throttling import client_address

        if auth.is_locked(username) or (request is not None and auth.client_is_locked(client_address(request))):
            # Hash anyway so a locked account answers as slowly as an unlocked one.
            get_user_model()().set_password(password)
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
