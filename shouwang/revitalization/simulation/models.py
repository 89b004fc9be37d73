"""A scenario: a county's draft changes (lines, screening rules, policies) and what they would do.

The draft is kept as data (``changes``) and never touches the lines, rules or policies until it is
adopted, which saves each change through its own service (``services.adopt``), exactly as an
edit on the line, rule or policy page would.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedQuerySet, TimeStampedModel


class ScenarioStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")


class Scenario(TimeStampedModel):
    """A saved draft of a county for one year: ``changes`` is

    ``{"lines": [{"region_code", "amount"}], "rules": [{"rule", "expression", "parameters", "active"}],
    "policies": [{"policy", "expression", "parameters", "amount"}]}`` (amounts as strings of yuan);
    ``result`` the totals of its last run (``engine.Outcome.as_dict``).
    """

    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("county"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    result = models.JSONField(_("result of the last run"), default=dict, blank=True)
    ran_at = models.DateTimeField(_("last run"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ScenarioStatus.choices,
                              default=ScenarioStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("adopted by"))

    objects = RegionScopedQuerySet.as_manager()
    region_field = "region_code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("simulation scenario")
        verbose_name_plural = _("simulation scenarios")

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def adopted(self) -> bool:
        return self.status == ScenarioStatus.ADOPTED
