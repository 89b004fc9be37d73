"""Assistance: the people responsible for a case (帮扶联系人) and the measures given (帮扶措施)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.cases.casefiles.models import Case
from shouwang.cases.catalogue.models import MeasureType
from shouwang.core import crypto
from shouwang.core.fields import EncryptedTextField
from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet


class ContactQuerySet(RegionScopedQuerySet):
    def current(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(
            Q(starts_on__isnull=True) | Q(starts_on__lte=today), Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        )


class AssistanceContact(RegionScopedModel):
    """A cadre responsible for helping a monitored household; ``ends_on`` null = still current.

    The phone is personal data: stored encrypted, shown masked (DESIGN.md §5).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("case"))
    name = models.CharField(_("name"), max_length=60)
    unit = models.CharField(_("work unit"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, editable=False)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "-starts_on", "id"]
        verbose_name = _("assistance contact")
        verbose_name_plural = _("assistance contacts")

    def __str__(self) -> str:
        return self.name

    def set_phone(self, phone: str) -> None:
        self.phone = phone
        self.phone_masked = crypto.mask_phone(phone) if phone else ""

    def save(self, *args, **kwargs):
        self.region_code = self.case.region_code
        if self.phone and not self.phone_masked:
            self.phone_masked = crypto.mask_phone(self.phone)
        super().save(*args, **kwargs)

    def is_current(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (self.starts_on is None or self.starts_on <= today) and (self.ends_on is None or self.ends_on >= today)


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In place")
    DONE = "done", _("Completed")
    STOPPED = "stopped", _("Stopped")


class Measure(RegionScopedModel):
    """One assistance measure for a case, for the household or one member (一人一措施).

    ``green_channel`` marks a measure given before county approval on a disaster case
    (policy.md §6.1, disaster green channel).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures", verbose_name=_("case"))
    measure_type = models.ForeignKey(
        MeasureType, on_delete=models.PROTECT, related_name="measures", verbose_name=_("measure type"),
    )
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="measures",
        verbose_name=_("member"),
    )
    description = models.TextField(_("description"), blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=60, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    green_channel = models.BooleanField(_("given through the green channel"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    # The day the measure was entered; one that started before it is a late entry (补录) with its reason.
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    late_reason = models.TextField(_("reason for the late entry"), blank=True)

    class Meta:
        ordering = ["case_id", "starts_on", "id"]
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        indexes = [models.Index(fields=["region_code", "status"])]

    def __str__(self) -> str:
        return f"{self.measure_type} {self.get_status_display()}"

    @property
    def is_late_entry(self) -> bool:
        return self.starts_on is not None and self.recorded_on is not None and self.starts_on < self.recorded_on

    def save(self, *args, **kwargs):
        self.region_code = self.case.region_code
        super().save(*args, **kwargs)
