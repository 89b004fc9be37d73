"""The administrative tree keyed by the statistical division code.

Codes are the National Bureau of Statistics codes without padding: province 2 digits,
prefecture 4, county 6, township 9, village 12 (a village group, where a county keeps them,
15). Every code starts with its parent's code, so a region's subtree is a prefix filter.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core import regioncodes


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        PREFECTURE = "prefecture", _("Prefecture")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")
        GROUP = "group", _("Village group")

    LEVEL_CODE_LENGTH = regioncodes.LEVEL_CODE_LENGTH
    ORDER = regioncodes.LEVEL_ORDER
    # The code is the region's own key: ``restrict`` keeps the regions inside the user's region.
    region_field = "code"

    code = models.CharField(_("code"), max_length=15, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    # A code, not a foreign key: a county's file names its prefecture without describing it.
    parent_code = models.CharField(_("parent code"), max_length=15, blank=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return " ".join(r.name for r in self.ancestors(include_self=True) if r.level in ("township", "village"))

    def ancestor_codes(self, include_self: bool = False) -> list[str]:
        """Codes of the ancestors, read from the code itself (no queries)."""
        return regioncodes.ancestor_codes(self.code, include_self)

    def ancestors(self, include_self: bool = False) -> list[Region]:
        codes = self.ancestor_codes(include_self)
        return list(Region.objects.filter(code__in=codes).order_by("code"))

    def children(self):
        return Region.objects.filter(parent_code=self.code)

    def is_within(self, code: str) -> bool:
        return self.code.startswith(code)


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """Code → name of the given regions, in one query (empty codes are skipped)."""
    return dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))
