"""A warning: a household that a rule, a feed, a self-report or a visit says may be at risk."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel


class WarningStatus(models.TextChoices):
    NEW = "new", _("New")
    VERIFYING = "verifying", _("Verifying")
    DISMISSED = "dismissed", _("Dismissed")
    ESCALATED = "escalated", _("Escalated to a case")

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Statuses in which a warning still waits for someone to act."""
        return (cls.NEW, cls.VERIFYING)


class WarningChannel(models.TextChoices):
    RULE = "rule", _("Screening rule")
    FEED = "feed", _("Department feed")
    SELF_REPORT = "self_report", _("Household self-report")
    VISIT = "visit", _("Cadre visit")


class Warning(RegionScopedModel):  # noqa: A001 - the domain word; the builtin is never needed here
    """A household to verify, with the evidence that raised it and the date it must be verified by.

    At most one open warning per household and rule (a database constraint): screening again
    adds nothing while the first is being dealt with.
    """

    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="warnings", verbose_name=_("household"),
    )
    rule = models.ForeignKey(
        "monitoring.Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="warnings",
        verbose_name=_("rule"),
    )
    rule_version = models.PositiveIntegerField(_("rule version"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=WarningStatus.choices, default=WarningStatus.NEW)
    channel = models.CharField(_("channel"), max_length=12, choices=WarningChannel.choices, default=WarningChannel.RULE)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    due_date = models.DateField(_("verify by"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        indexes = [models.Index(fields=["region_code", "status", "due_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "rule"], condition=models.Q(status__in=["new", "verifying"]),
                name="warning_one_open_per_household_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.rule_id or self.channel} {self.status}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in WarningStatus.open()
