"""Households' self-reports (农户自主申报): a difficulty reported on the public page, without an account.

Personal numbers follow the registry's rules (DESIGN.md §5): ID and phone numbers are stored
encrypted beside a blind index (exact match) and a masked copy (display). Free text that may
describe an illness (a report's description) is encrypted as well: health details are personal
information of the sensitive kind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core import crypto
from shouwang.core.fields import EncryptedTextField
from shouwang.core.idnumbers import IdNumber, mask_id_number
from shouwang.core.models import RegionScopedModel

from ..rules.models import RiskType


class SelfReportStatus(models.TextChoices):
    NEW = "new", _("To verify")  # nobody in the registry has this ID: a lead for the village
    WARNING = "warning", _("Warning raised")
    DISMISSED = "dismissed", _("Dismissed")


class SelfReport(RegionScopedModel):
    """A difficulty a person reported on the public page, without an account.

    ``region_code`` is where the report waits: the matched household's village, or the village
    chosen in the form when the ID number is unknown to the registry. ``village`` keeps what
    the reporter chose either way.
    """

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("village chosen"),
    )
    name = models.CharField(_("name"), max_length=60)
    id_number = EncryptedTextField(_("ID number"))
    id_index = models.CharField(_("ID blind index"), max_length=64, db_index=True, editable=False)
    id_masked = models.CharField(_("ID number (masked)"), max_length=24, editable=False)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True, editable=False)
    minor = models.BooleanField(_("under 14"), default=False, editable=False)
    phone = EncryptedTextField(_("phone"))
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, editable=False)
    risk_type = models.CharField(_("difficulty"), max_length=10, choices=RiskType.choices)
    description = EncryptedTextField(_("description"))
    guardian_name = models.CharField(_("guardian's name"), max_length=60, blank=True)
    guardian_id_number = EncryptedTextField(_("guardian's ID number"), blank=True)
    guardian_id_index = models.CharField(
        _("guardian's ID blind index"), max_length=64, blank=True, editable=False
    )
    guardian_id_masked = models.CharField(
        _("guardian's ID number (masked)"), max_length=24, blank=True, editable=False
    )
    guardian_phone = EncryptedTextField(_("guardian's phone"), blank=True)
    guardian_phone_masked = models.CharField(
        _("guardian's phone (masked)"), max_length=20, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SelfReportStatus.choices, default=SelfReportStatus.NEW
    )
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="self_reports",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("member"),
    )
    warning = models.ForeignKey(
        "monitoring.Warning",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="self_reports",
        verbose_name=_("warning"),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        indexes = [models.Index(fields=["region_code", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    def set_id(self, parsed: IdNumber) -> None:
        self.id_number = parsed.number
        self.id_index = crypto.blind_index(parsed.number)
        self.id_masked = mask_id_number(parsed.number)
        self.birth_year = parsed.birth_date.year
        self.minor = parsed.under_14

    def set_phone(self, phone: str) -> None:
        self.phone = phone
        self.phone_masked = crypto.mask_phone(phone)

    def set_guardian(self, name: str, parsed: IdNumber | None, phone: str) -> None:
        self.guardian_name = name
        self.guardian_id_number = parsed.number if parsed else ""
        self.guardian_id_index = crypto.blind_index(parsed.number) if parsed else ""
        self.guardian_id_masked = mask_id_number(parsed.number) if parsed else ""
        self.guardian_phone = phone
        self.guardian_phone_masked = crypto.mask_phone(phone)

    def save(self, *args, **kwargs):
        if not self.region_code:
            self.region_code = self.household.region_code if self.household_id else self.village_id
        super().save(*args, **kwargs)
