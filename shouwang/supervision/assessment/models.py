"""Assessment (考核评估): the county's indicator weights and stored scorecards per period.

Indicators themselves are code, not data (``shouwang.supervision.assessment.indicators``): each formula is
written once and documented there. What the county decides is how much each indicator counts,
so weights are data, versioned: every save adds a ``ScorecardWeights`` row (the history) and a
change-log entry, and each scorecard keeps the exact weights it was computed with.

Scorecards are computed by a background job (``shouwang.supervision.assessment.tasks``) and stored
as one ``ScorecardSnapshot`` per county and period with one ``ScorecardRow`` per township and
village, so the pages read a few hundred rows instead of recomputing indicators over the
registry. Rows carry the area's region code and are scoped like every other region-keyed
table: a township officer's ``restrict`` returns their township's row and its villages' rows,
never another township's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import Job, RegionScopedModel, TimeStampedModel

__all__ = ["ScorecardLevel", "ScorecardRow", "ScorecardSnapshot", "ScorecardWeights"]


class ScorecardWeights(models.Model):
    """One version of a county's indicator weights (append-only: the rows are the history).

    ``weights`` maps indicator codes to non-negative numbers; an indicator left out or at 0 does
    not count. Only the latest version of a county applies to new scorecards.
    """

    region_code = models.CharField(_("county code"), max_length=6, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    weights = models.JSONField(_("weights"), default=dict)
    note = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["region_code", "-version"]
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "version"], name="scorecardweights_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} v{self.version}"


class ScorecardSnapshot(TimeStampedModel):
    """A county's scorecard for one period, as computed by one job run (recomputing replaces it)."""

    region_code = models.CharField(_("county code"), max_length=6, db_index=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    previous_start = models.DateField(_("previous period start"))
    previous_end = models.DateField(_("previous period end"))
    weights = models.ForeignKey(
        ScorecardWeights, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots",
        verbose_name=_("weights version"),
    )
    weights_used = models.JSONField(_("weights used"), default=dict)
    unavailable = models.JSONField(_("indicators not available"), default=list, blank=True)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            verbose_name=_("job"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("computed by"),
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-period_end", "-period_start"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "period_start", "period_end"],
                                    name="scorecardsnapshot_unique_period"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period_start}–{self.period_end}"


class ScorecardLevel(models.TextChoices):
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


class ScorecardRow(RegionScopedModel):
    """One township's or village's score, rank and indicator values in a snapshot.

    ``values`` maps indicator code → ``{"numerator", "denominator", "value"}`` (value null when
    the indicator does not apply, e.g. no procedure to time); ``points`` maps code → the
    normalised 0–100 points that entered the score. ``rank`` is among the row's siblings
    (townships of the county, villages of one township) out of ``rank_of``; the ``previous_*``
    fields are the same area in the previous period of the same length, scored with the same
    weights. ``region_code`` is the area's own code (9 digits for a township, 12 for a village).
    """

    snapshot = models.ForeignKey(ScorecardSnapshot, on_delete=models.CASCADE, related_name="rows",
                                 verbose_name=_("scorecard"))
    level = models.CharField(_("level"), max_length=10, choices=ScorecardLevel.choices)
    parent_code = models.CharField(_("parent region"), max_length=15, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    score = models.FloatField(_("score"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    rank_of = models.PositiveIntegerField(_("ranked areas"), default=0)
    values = models.JSONField(_("indicator values"), default=dict)
    points = models.JSONField(_("indicator points"), default=dict)
    previous_score = models.FloatField(_("previous score"), null=True, blank=True)
    previous_rank = models.PositiveIntegerField(_("previous rank"), null=True, blank=True)
    previous_values = models.JSONField(_("previous indicator values"), default=dict)

    class Meta:
        ordering = ["snapshot_id", "level", "parent_code", "rank", "region_code"]
        verbose_name = _("scorecard row")
        verbose_name_plural = _("scorecard rows")
        indexes = [models.Index(fields=["snapshot", "level", "parent_code"])]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "region_code"], name="scorecardrow_unique_area"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.score}"

    @property
    def score_change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return round(self.score - self.previous_score, 1)

    @property
    def rank_change(self) -> int | None:
        """Places moved up (positive) or down (negative) since the previous period."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank
