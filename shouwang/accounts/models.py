"""Users, their role and the one region each works in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class User(AbstractUser):
    """A member of staff: one natural person, one role, one region."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VILLAGE)
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name=_("region"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("unmask_personal_data", _("Can view unmasked personal data (with a reason)"))]

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
