"""Spot checks (抽查): a reproducible random sample of households per township, and what was found.

The county draws a ``SpotCheck`` with a stored seed and a rate per household class; the same
seed over the same registry gives the same sample (see ``shouwang.supervision.spotchecks.services``).
Each ``SpotCheckSample`` is one sampled household with its verification result.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel

__all__ = ["HouseholdClass", "SpotCheck", "SpotCheckSample", "SampleResult", "DISCREPANCY_FIELDS"]


class HouseholdClass(models.TextChoices):
    """The four classes post-evaluation samples at different rates (policy.md §9)."""

    EX_POOR_LABOUR = "ex_poor_labour", _("Ex-poor household with labour capacity")
    EX_POOR_NO_LABOUR = "ex_poor_no_labour", _("Ex-poor household without labour capacity")
    MONITORED = "monitored", _("Monitored household")
    ORDINARY = "ordinary", _("Ordinary household")


class SpotCheck(RegionScopedModel):
    """One draw: where (``region_code``, the county or a township), the seed and the rates used."""

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    seed = models.BigIntegerField(_("seed"))
    rates = models.JSONField(_("rates per household class"), default=dict)
    population = models.JSONField(_("households per class"), default=dict, blank=True)
    sample_count = models.PositiveIntegerField(_("households drawn"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("drawn by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region_id
        super().save(*args, **kwargs)


class SampleResult(models.TextChoices):
    PENDING = "pending", _("Not yet checked")
    AS_REGISTERED = "as_registered", _("Found as registered")
    DISCREPANCY = "discrepancy", _("Discrepancy")


# What a verification visit compares with the registry (the field keys stored on a discrepancy).
DISCREPANCY_FIELDS: dict[str, object] = {
    "members": _("Household members"),
    "income": _("Income"),
    "labour": _("Labour capacity"),
    "schooling": _("Schooling"),
    "health": _("Health and medical insurance"),
    "housing": _("Housing safety"),
    "water": _("Drinking water"),
    "household_type": _("Household type"),
    "assistance": _("Assistance measures"),
    "other": _("Other"),
}


class SpotCheckSample(RegionScopedModel):
    """A sampled household (``region_code`` its village) and the verification result."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="samples",
                                   verbose_name=_("spot check"))
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("household"))
    household_class = models.CharField(_("household class"), max_length=20, choices=HouseholdClass.choices)
    result = models.CharField(_("result"), max_length=16, choices=SampleResult.choices, default=SampleResult.PENDING)
    fields = models.JSONField(_("fields that differ"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        ordering = ["spot_check_id", "region_code", "household_id"]
        verbose_name = _("sampled household")
        verbose_name_plural = _("sampled households")
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "household"], name="spotchecksample_once_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.spot_check_id} {self.household_id}"

    def field_labels(self) -> list[str]:
        return [str(DISCREPANCY_FIELDS.get(code, code)) for code in self.fields or []]


