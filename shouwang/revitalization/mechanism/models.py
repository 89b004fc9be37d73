"""The county's exit conditions for the ex-poor label per year, and the decisions taken on it.

The documents (2026 No.1 Document §(八)) ask for the orderly exit of original 建档立卡 households
that meet exit conditions, but give no conditions: they are the county's settings
(:class:`ExitSettings`, with defaults that pages name as such). A decision (:class:`LabelExit`)
is never deleted: the household's history of the label stays.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel, TimeStampedModel

DEFAULT_INCOME_MULTIPLE = Decimal("1.5")
DEFAULT_CONSECUTIVE_YEARS = 3


class ExitSettings(TimeStampedModel):
    """A county's exit conditions for a year: per-capita net income at least ``income_multiple``
    times the year's monitoring line in each of the last ``consecutive_years`` years, and (when
    asked) no open case and no open warning."""

    region_code = models.CharField(_("county code"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    income_multiple = models.DecimalField(_("income at least this multiple of the line"), max_digits=5,
                                          decimal_places=2, default=DEFAULT_INCOME_MULTIPLE)
    consecutive_years = models.PositiveSmallIntegerField(_("for this many consecutive years"),
                                                         default=DEFAULT_CONSECUTIVE_YEARS)
    require_no_open_case = models.BooleanField(_("no open case"), default=True)
    require_no_open_warning = models.BooleanField(_("no open warning"), default=True)
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    region_field = "region_code"

    class Meta:
        ordering = ["region_code", "-year"]
        verbose_name = _("ex-poor label exit settings")
        verbose_name_plural = _("ex-poor label exit settings")
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="exitsettings_unique_year")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


class LabelDecision(models.TextChoices):
    EXIT = "exit", _("Leaves the ex-poor label")
    KEEP = "keep", _("Keeps the ex-poor label")


class LabelExit(RegionScopedModel):
    """A county officer's decision on a candidate for leaving the ex-poor label, with the reason and
    the conditions as they held (values) when it was taken."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="label_exits",
                                  verbose_name=_("household"))
    year = models.PositiveSmallIntegerField(_("year"))
    decision = models.CharField(_("decision"), max_length=8, choices=LabelDecision.choices)
    reason = models.TextField(_("reason"))
    conditions = models.JSONField(_("conditions and their values"), default=dict)
    previous_type = models.CharField(_("household type before"), max_length=10)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ex-poor label decision")
        verbose_name_plural = _("ex-poor label decisions")
        indexes = [models.Index(fields=["household", "year"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.decision}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)
