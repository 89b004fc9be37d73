"""The login form: one generic message for every failure, a locked account included."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from . import (
    auth,
    signals,  # noqa: F401  (connects the login receivers)
)


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Login failed. Check the user name and password. After 5 failed attempts the account "
            "is locked for 15 minutes."
        ),
        "inactive": _(
            "Login failed. Check the user name and password. After 5 failed attempts the account "
            "is locked for 15 minutes."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and auth.is_locked(username):
            # Checked here as well as in the backend, so the lock holds whatever backends are set.
            get_user_model()().set_password(self.cleaned_data.get("password") or "")
            user_login_failed.send(
                sender=__name__,
                credentials={"username": username, "password": "*" * 20},
                request=self.request,
            )
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return super().clean()
