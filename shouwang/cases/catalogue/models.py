"""Catalogues the county extends: risk types (policy.md §4.1) and measure types (§4.2).

Rows, not TextChoices, because the list is explicitly extensible (因疫 existed in 2020, a county
adds 事故灾害 or 公共卫生事件); the seed lives in ``shouwang.cases.catalogue.seed``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

DISASTER_CODE = "YZRZH"


class CatalogueQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class _Named(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless the page is in English)."""
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name_zh


class RiskType(_Named):
    """A risk type (致贫/返贫风险); natural-disaster sub-items hang under ``YZRZH``."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent"),
    )

    class Meta(_Named.Meta):
        verbose_name = _("risk type")
        verbose_name_plural = _("risk types")

    @property
    def is_disaster(self) -> bool:
        """A natural disaster or one of its sub-items: the green channel applies (§6.1)."""
        if self.code == DISASTER_CODE:
            return True
        return self.parent_id is not None and self.parent is not None and self.parent.code == DISASTER_CODE


class MeasureType(_Named):
    """An assistance measure category (帮扶措施); industry and employment are development-type."""

    is_development = models.BooleanField(_("development-type"), default=False)

    class Meta(_Named.Meta):
        verbose_name = _("measure type")
        verbose_name_plural = _("measure types")
