"""Users, their role and the one region each works in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from shouwang.core import crypto
from shouwang.core.fields import EncryptedTextField


class Role(models.TextChoices):
    VILLAGE = "village", _("Village cadre")
    TOWNSHIP = "township", _("Township officer")
    COUNTY = "county", _("County officer")
    ADMIN = "admin", _("County administrator")
    DEPARTMENT = "department", _("Department data officer")
    LEADER = "leader", _("Leader")
    AUDITOR = "auditor", _("Auditor")


# The region level each role works at; ``add_user`` refuses a mismatch.
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.VILLAGE: ("village",),
    Role.TOWNSHIP: ("township",),
    Role.COUNTY: ("county", "prefecture", "province"),
    Role.ADMIN: ("county", "prefecture", "province"),
    Role.DEPARTMENT: ("county", "prefecture", "province"),
    Role.LEADER: ("county", "township", "prefecture", "province"),
    Role.AUDITOR: ("county", "prefecture", "province"),
}


class User(AbstractUser):  # type: ignore[django-manager-missing]  # the OTP devices' managers
    """A member of staff: one natural person, one role, one region."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VILLAGE)
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name=_("region"),
    )
    # When the password was last set: the county's expiry counts from here (``passwords.expired``).
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True, default=timezone.now)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("unmask_personal_data", _("Can view unmasked personal data (with a reason)"))]

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def can_unmask(self) -> bool:
        return self.is_active and self.has_perm("accounts.unmask_personal_data")

    @property
    def scope_prefix(self) -> str | None:
        """The code prefix this user sees, or None for nothing."""
        return self.region_id or None


class LoginThrottle(models.Model):
    """Consecutive failed logins for one username, and the lock they lead to.

    Keyed by the normalised username, existing or not, so a locked unknown name behaves
    exactly like a locked account (the login page reveals nothing).
    """

    username = models.CharField(_("username"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    first_failure_at = models.DateTimeField(_("first failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")

    def __str__(self) -> str:
        return self.username


class SecuritySettings(models.Model):
    """A county's login rules for a region prefix ("" = everywhere; the longest prefix wins).

    等保 L3 asks for periodic password change and, at level 3, two factors for staff; the county
    decides how far it goes beyond the accounts that must always use two factors
    (``permissions.must_use_two_factor``). Defaults hold when nothing is stored.
    """

    region_code = models.CharField(_("region code prefix"), max_length=15, blank=True, unique=True)
    require_two_factor_for_all = models.BooleanField(_("require two factors for all accounts"), default=False)
    password_history = models.PositiveSmallIntegerField(
        _("earlier passwords that may not be used again"), default=5,
    )
    password_expiry_days = models.PositiveSmallIntegerField(
        _("days a password is valid (0: no expiry)"), default=90,
    )

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("security settings")
        verbose_name_plural = _("security settings")

    def __str__(self) -> str:
        return self.region_code or "*"

    @classmethod
    def for_region(cls, region_code: str | None) -> SecuritySettings:
        """The settings of the longest stored prefix of ``region_code``; defaults when none is stored."""
        code = region_code or ""
        prefixes = [code[:n] for n in range(len(code), -1, -1)]
        found = {s.region_code: s for s in cls.objects.filter(region_code__in=prefixes)}
        for prefix in prefixes:
            if prefix in found:
                return found[prefix]
        return cls(region_code="")


class PasswordHistory(models.Model):
    """A password hash an account had (never the password), for the county's no-reuse rule."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history",
                             verbose_name=_("user"))
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class TotpDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator app (RFC 6238: 30-second steps, six digits, SHA-1 as every app does).

    django-otp's own ``TOTPDevice`` keeps the secret in clear in the database; here it is
    encrypted with the data key, which lives apart from the database (a dump alone gives no
    second factor). Each code is accepted once (``last_t``), and failures back off exponentially
    (``ThrottlingMixin``).
    """

    key = EncryptedTextField(_("secret"))  # hex, 20 random bytes
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        import time

        from django_otp.oath import TOTP

        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token or "").strip().replace(" ", "")
        if not (token.isdigit() and len(token) == self.digits):
            self.throttle_increment(commit=True)
            return False
        totp = TOTP(self.bin_key, self.step, 0, self.digits, self.drift)
        totp.time = time.time()
        if totp.verify(int(token), self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.drift = totp.drift
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=True)
        return False


RECOVERY_CODE_LENGTH = 10  # characters, without the dash


def recovery_digest(user_id: int, code: str) -> str:
    """The keyed hash a recovery code is stored as ("" for a string that cannot be a code)."""
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(normalised) != RECOVERY_CODE_LENGTH:
        return ""
    return crypto.blind_index(f"{user_id}:{normalised}", purpose="recovery-code")


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """The one-time recovery codes of an account, for a lost phone: each code works once.

    Only a keyed hash of each code is stored (the data key's index key, as for ID numbers), so
    the database alone yields no usable code.
    """

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token) -> bool:
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        digest = recovery_digest(self.user_id, token)
        used = self.codes.select_for_update().filter(digest=digest).first() if digest else None
        if used is None:
            self.throttle_increment(commit=True)
            return False
        used.delete()
        self.throttle_reset(commit=True)
        return True


class RecoveryCode(models.Model):
    """One unused recovery code, as its keyed hash."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
