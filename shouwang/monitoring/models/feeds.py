"""Signals from department feeds (医保, 民政, 残联, 应急, 人社 …), one row per event.

Only the model screening needs is here; reading the departments' spreadsheets comes later.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel


class FeedSignal(RegionScopedModel):
    """One event a department reported about a household or a member, with where it came from."""

    class Kind(models.TextChoices):
        MEDICAL_OUT_OF_POCKET = "medical_out_of_pocket", _("Out-of-pocket medical spending")
        DROPOUT = "dropout", _("School dropout")
        HOUSING_APPRAISAL = "housing_appraisal", _("Dangerous-housing appraisal")
        WATER = "water", _("Drinking-water problem")
        NEW_DIBAO = "new_dibao", _("New minimum living allowance (低保)")
        NEW_TEKUN = "new_tekun", _("New extreme-poverty support (特困)")
        TEMPORARY_ASSISTANCE = "temporary_assistance", _("Temporary assistance")
        NEW_SEVERE_DISABILITY = "new_severe_disability", _("New severe disability")
        UNEMPLOYMENT = "unemployment", _("Unemployment")
        DISASTER_LOSS = "disaster_loss", _("Disaster loss")

    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="feed_signals", verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_signals",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("source"), max_length=50, blank=True, help_text=_("The feed type, e.g. medical."))
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    row_number = models.PositiveIntegerField(_("row number"), null=True, blank=True)

    class Meta:
        ordering = ["household_id", "-date"]
        verbose_name = _("feed signal")
        verbose_name_plural = _("feed signals")
        indexes = [models.Index(fields=["household", "kind", "date"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.date}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)
