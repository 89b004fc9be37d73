"""Public notices (公示) in the village."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.cases.casefiles.models import Case
from shouwang.core.models import RegionScopedModel


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
    # The day the notice was entered; one that started before it is a late entry (补录) with its reason.
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    late_reason = models.TextField(_("reason for the late entry"), blank=True)

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

    @property
    def is_late_entry(self) -> bool:
        return self.recorded_on is not None and self.starts_on < self.recorded_on

    def covers(self, kind: str) -> bool:
        return self.kind == NoticeKind.BOTH or self.kind == kind
