"""Password policy (等保 身份鉴别 a, security.md G17): classes, history, expiry.

Length (≥ 10) and the common-password list are Django's own validators; these add three of four
character classes, no reuse of the county's last N passwords (only their hashes are kept), and
an expiry counted from ``User.password_changed_at``. ASVS advises against composition rules
and rotation; 等保 evaluators expect both, so both are on by default and the county sets the
figures (``SecuritySettings``). Validators are listed in ``AUTH_PASSWORD_VALIDATORS``.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordHistory, SecuritySettings, User

# The session flag set at login when the password has expired: only the change page is open.
EXPIRED_SESSION_KEY = "shouwang_password_expired"


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters (symbols, and letters without
    case such as Chinese characters) the password has."""
    return sum((
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
    ))


class CharacterClassesValidator:
    """At least ``min_classes`` of the four classes: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_error_message(), code="password_too_few_classes")

    def get_error_message(self) -> str:
        return _(
            "The password must mix at least %(n)d of: lower-case letters, capital letters, digits, symbols."
        ) % {"n": self.min_classes}

    def get_help_text(self) -> str:
        return self.get_error_message()


def _settings_for(user) -> SecuritySettings:
    return SecuritySettings.for_region(getattr(user, "region_id", None) or "")


class PasswordHistoryValidator:
    """Not one of the account's last N passwords (N: the county's ``password_history``).

    ``password_changed`` (Django calls it after every save that set a password) keeps the new
    hash and forgets those older than N.
    """

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        keep = _settings_for(user).password_history
        if not keep:
            return
        hashes = list(PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[:keep])
        if user.password and user.password not in hashes:  # set without set_password (create_user)
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self._message(keep), code="password_reused")

    def password_changed(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None) or not user.password:
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = max(_settings_for(user).password_history, 1)
        old = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()

    def _message(self, keep: int) -> str:
        return ngettext(
            "The password must differ from the last password.",
            "The password must differ from the last %(n)d passwords.",
            keep,
        ) % {"n": keep}

    def get_help_text(self) -> str:
        return _("The password must differ from the last few passwords.")


def expires_at(user: User):
    """When the password stops working (None: never), by the county's ``password_expiry_days``."""
    days = _settings_for(user).password_expiry_days
    if not days or user.password_changed_at is None:
        return None
    return user.password_changed_at + timedelta(days=days)


def expired(user: User) -> bool:
    end = expires_at(user)
    return end is not None and end <= timezone.now()
