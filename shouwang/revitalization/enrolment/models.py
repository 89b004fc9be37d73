"""An enrolment (享受政策记录): one person or household receiving one policy in one year.

Where it came from is kept with it: a department's beneficiary list (``feed_signal``: the feed row,
with its batch, file and row number), an assistance measure recorded on a case (``measure``), or a
person who entered it by hand (``created_by``). Feed and measure enrolments are derived again from
their sources (``services.sync_from_feeds``, ``services.sync_from_measures``), so running either
twice changes nothing; hand enrolments are only changed by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel


class EnrolmentSource(models.TextChoices):
    FEED = "feed", _("Department feed")
    MEASURE = "measure", _("Assistance measure")
    HAND = "hand", _("Entered by hand")


class Enrolment(RegionScopedModel):
    """A policy received by a household (``member`` empty) or one of its members in ``year``."""

    policy = models.ForeignKey(
        "revitalization.Policy", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("policy"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="policy_enrolments",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="policy_enrolments",
        verbose_name=_("member"),
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    amount = models.DecimalField(_("amount paid (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=EnrolmentSource.choices,
                              default=EnrolmentSource.HAND)
    feed_signal = models.ForeignKey(
        "monitoring.FeedSignal", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("feed row"),
    )
    measure = models.ForeignKey(
        "cases.Measure", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("assistance measure"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-year", "region_code", "household_id", "id"]
        verbose_name = _("policy enrolment")
        verbose_name_plural = _("policy enrolments")
        indexes = [
            models.Index(fields=["policy", "year", "household"], name="enrolment_policy_household"),
            models.Index(fields=["policy", "year", "member"], name="enrolment_policy_member"),
            models.Index(fields=["region_code", "year"], name="enrolment_region_year",
                         opclasses=["varchar_pattern_ops", "int2_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["feed_signal", "policy"], condition=Q(feed_signal__isnull=False),
                                    name="enrolment_one_per_feed_row"),
            models.UniqueConstraint(fields=["measure", "policy", "year"], condition=Q(measure__isnull=False),
                                    name="enrolment_one_per_measure_year"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.year} {self.household_id}/{self.member_id or '-'}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)
