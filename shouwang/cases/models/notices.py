"""Public notices (公示) in the village, and the county's time limits for the procedures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel, TimeStampedModel

from .cases import Case


class NoticeKind(models.TextChoices):
    IDENTIFICATION = "identification", _("Identification")
    ELIMINATION = "elimination", _("Risk elimination")
    BOTH = "both", _("Identification and risk elimination")


class Notice(RegionScopedModel):
    """A notice posted in one village, listing the cases proposed for inclusion or elimination.

    Published once, in the village only (policy.md §6.1 step 3); it must never show ID, phone,
    bank or health details. ``region_code`` is the village's code, set by whoever creates it.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices, default=NoticeKind.IDENTIFICATION)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    contact = models.CharField(_("objections to"), max_length=200, blank=True)
    cases = models.ManyToManyField(Case, related_name="notices", verbose_name=_("cases"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self) -> str:
        return f"{self.region_code} {self.starts_on}–{self.ends_on}"

    @property
    def days(self) -> int:
        """Length in calendar days, both ends included (1st to 5th is five days)."""
        return (self.ends_on - self.starts_on).days + 1

    def covers(self, kind: str) -> bool:
        return self.kind == NoticeKind.BOTH or self.kind == kind


class DayKind(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


class ProcedureSettings(TimeStampedModel):
    """Time limits of the procedures for a region prefix ("" = everywhere; the longest prefix wins).

    Policy differs by place (15 calendar days in Henan, 20 working days in Hainan, policy.md
    §6.1), so these are data the county administrator edits, never constants in code.
    ``step_days`` optionally overrides the days each step gets ({"verify": 3, ...}).
    """

    region_code = models.CharField(_("region code prefix"), max_length=15, blank=True, unique=True)
    total_days = models.PositiveSmallIntegerField(_("days from first clue to identification"), default=15)
    day_kind = models.CharField(_("counted in"), max_length=10, choices=DayKind.choices, default=DayKind.CALENDAR)
    notice_min_days = models.PositiveSmallIntegerField(_("minimum days of a public notice"), default=5)
    elimination_stable_months = models.PositiveSmallIntegerField(
        _("months of stable income before elimination"), default=6,
    )
    step_days = models.JSONField(_("days per step"), default=dict, blank=True)

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("procedure settings")
        verbose_name_plural = _("procedure settings")

    def __str__(self) -> str:
        return self.region_code or "*"

    @classmethod
    def for_region(cls, region_code: str) -> ProcedureSettings:
        """The settings of the longest prefix of ``region_code``; defaults when none is stored."""
        prefixes = [region_code[:n] for n in range(len(region_code), -1, -1)]
        found = {s.region_code: s for s in cls.objects.filter(region_code__in=prefixes)}
        for prefix in prefixes:
            if prefix in found:
                return found[prefix]
        return cls(region_code="")
