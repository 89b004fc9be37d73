"""The login form (one generic message for every failure, a locked account included), and the forms
of the steps after it: the second factor, a new password, an administrator's reset."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import (
    auth,
    signals,  # noqa: F401  (connects the login receivers)
)
from .models import SecuritySettings


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
        "client_locked": _(
            "Too many failed logins from your network address. Wait 15 minutes, then try again."
        ),
    }

    def clean(self):
        from shouwang.core.throttling import client_address

        if self.request is not None and auth.client_is_locked(client_address(self.request)):
            # Refused before the password is looked at: spraying one guess over many accounts ends here.
            get_user_model()().set_password(self.cleaned_data.get("password") or "")
            auth.log_failure(self.cleaned_data.get("username"), locked=False, client_locked=True)
            raise forms.ValidationError(self.error_messages["client_locked"], code="client_locked")
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


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or (on the verify page) a recovery code."""

    code = forms.CharField(
        label=pgettext_lazy("one-time code", "Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters",
                                      "spellcheck": "false", "autofocus": True}),
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's change form (old password, new one twice, every validator): its labels in our words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")


class ResetTwoFactorForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)


class SecuritySettingsForm(forms.ModelForm):
    class Meta:
        model = SecuritySettings
        fields = ["require_two_factor_for_all", "password_history", "password_expiry_days"]
