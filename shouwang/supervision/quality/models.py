"""Data quality: each run of the rules and the findings it left, one row per record to fix.

A run replaces the findings of its region (the findings table is the current state, not a
history); ``DataQualityRun`` keeps when each run happened and its counts per rule.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel

__all__ = ["DataQualityRun", "DataQualityFinding", "Severity"]


class Severity(models.TextChoices):
    ERROR = "error", _("Error")
    WARNING = "warning", _("Check")


class DataQualityRun(RegionScopedModel):
    """One run over a region (``region_code``): the year checked, counts per rule and notes."""

    year = models.PositiveSmallIntegerField(_("year checked"))
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            verbose_name=_("job"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("started by"),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("findings per rule"), default=dict, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data-quality run")
        verbose_name_plural = _("data-quality runs")


class DataQualityFinding(RegionScopedModel):
    """A record that breaks a rule; ``region_code`` is the village that must fix it."""

    run = models.ForeignKey(DataQualityRun, on_delete=models.CASCADE, related_name="findings", verbose_name=_("run"))
    rule = models.CharField(_("rule"), max_length=80, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.ERROR)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("household"))
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("member"))
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("case"))
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    # The national checker's rule code(s) for the same check (national-layout.md §4), "/"-joined
    # where one Shouwang rule covers several; blank where the checker has no such rule.
    national_code = models.CharField(_("national rule code"), max_length=100, blank=True)

    class Meta:
        ordering = ["region_code", "rule", "id"]
        verbose_name = _("data-quality finding")
        verbose_name_plural = _("data-quality findings")
        indexes = [models.Index(fields=["region_code", "rule"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.region_code}"
