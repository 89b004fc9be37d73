"""Pre-aggregated figures behind the dashboards: counts per village, now and per month.

A dashboard at a million households must answer in well under a second, so it never counts
households, cases or warnings itself. ``shouwang.supervision.dashboards.aggregates`` counts them with a
few GROUP BY queries per refresh and writes one ``Figure`` row per village × metric × key
(and month, for the trends); a page sums the rows of its region (a prefix filter) in one or
two queries. The table is long rather than wide because the keys are open-ended: the risk-type
catalogue is extensible by the county, and a new channel or status needs no migration.

Figures are derived data: a refresh deletes a village's rows and writes them again, so the
rows need no change log; ``DashboardRefresh`` records when each refresh ran and what it covered.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel

__all__ = ["DashboardRefresh", "Figure"]


class Figure(RegionScopedModel):
    """One count for one village: ``metric`` (what is counted), ``key`` (which kind), ``month``.

    ``month`` is the first day of the month for monthly figures (identifications, eliminations,
    new warnings…) and null for the snapshot as of the last refresh (monitored households by
    category, open warnings, overdue steps…). The metric names are declared in
    ``shouwang.supervision.dashboards.aggregates``.
    """

    month = models.DateField(_("month"), null=True, blank=True)
    metric = models.CharField(_("metric"), max_length=40)
    key = models.CharField(_("key"), max_length=40, blank=True)
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("dashboard figure")
        verbose_name_plural = _("dashboard figures")
        indexes = [models.Index(fields=["region_code", "month", "metric"], name="supervision_figure_lookup")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month or '-'} {self.metric}:{self.key} = {self.value}"


class DashboardRefresh(models.Model):
    """One run of the refresh: when, which villages (empty: all), how long, how many rows.

    The pages show the latest finished refresh as "figures as of"; the snapshot figures
    (overdue counts above all) are as of that moment.
    """

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, db_index=True)
    scope = models.TextField(_("villages refreshed"), blank=True, help_text=_("Empty: every village."))
    village_count = models.PositiveIntegerField(_("villages"), default=0)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    seconds = models.FloatField(_("duration (seconds)"), default=0)
    income_year = models.PositiveSmallIntegerField(_("income year"), null=True, blank=True)
    trigger = models.CharField(_("trigger"), max_length=40, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("dashboard refresh")
        verbose_name_plural = _("dashboard refreshes")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.trigger}"

