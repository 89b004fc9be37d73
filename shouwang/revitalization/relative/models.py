"""The county's shares of the median that make its relative poverty lines, per year.

A relative line is a share of the year's people-weighted median of rural per-capita net income
(``services``); which shares a county uses is its own decision, set per year by the county's
officers (default 40 % and 50 %, ``DEFAULT_SHARES``, where the county has set nothing for a
year). Changes go through ``services.save_shares``: checked, and logged in the change log.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

# The shares a year uses when the county has set none (percent of the median).
DEFAULT_SHARES: tuple[int, ...] = (40, 50)
MAX_SHARES = 5
COUNTY_LENGTH = 6


class RelativeLineShares(TimeStampedModel):
    """A county's shares of the median for one year: the relative lines are these percentages of it."""

    region_code = models.CharField(_("county code"), max_length=COUNTY_LENGTH, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    shares = models.JSONField(_("shares of the median (percent)"), default=list)
    note = models.CharField(_("basis"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    region_field = "region_code"

    class Meta:
        ordering = ["region_code", "-year"]
        verbose_name = _("shares of the relative lines")
        verbose_name_plural = _("shares of the relative lines")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="relativelineshares_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: " + ", ".join(f"{share}%" for share in self.shares)

    def clean(self) -> None:
        code = self.region_code or ""
        if len(code) != COUNTY_LENGTH or not code.isdigit():
            raise ValidationError({"region_code": _("The shares belong to a county (a 6-digit code).")})
        self.shares = clean_shares(self.shares)


def clean_shares(shares) -> list[int]:
    """Whole percentages from 1 to 100, distinct, at most ``MAX_SHARES``, in rising order."""
    if not isinstance(shares, (list, tuple)) or not shares:
        raise ValidationError({"shares": _("Give at least one share of the median.")})
    cleaned = set()
    for share in shares:
        try:
            value = int(str(share).strip().rstrip("%"))
        except (TypeError, ValueError):
            raise ValidationError({"shares": _("A share is a whole percentage from 1 to 100.")}) from None
        if not 1 <= value <= 100:
            raise ValidationError({"shares": _("A share is a whole percentage from 1 to 100.")})
        cleaned.add(value)
    if len(cleaned) > MAX_SHARES:
        raise ValidationError({"shares": _("At most %(n)d shares.") % {"n": MAX_SHARES}})
    return sorted(cleaned)
