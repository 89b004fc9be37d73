"""The monitoring line (监测范围 / 收入基准线): an income amount per year and region.

Which line applies to a household in a year is answered in one place, ``LineBook.in_force``
(``line_in_force`` for a single lookup): the most specific line of that year whose region code
is a prefix of the household's (county over prefecture over province over the national line).
Screening's ``line`` fact is the same resolution written as SQL, from ``LineBook.of_year``'s
order. A year without a line has none: the answer is None, never another year's line or a
constant, unless the caller asks for the latest earlier year's line by name (``earlier_year``);
that line's ``year`` then differs from the year asked, and whoever shows it must say so.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel

# Lines are set by a province, a prefecture or a county (policy.md §2.1); "" is the whole country.
LINE_CODE_LENGTHS = (0, 2, 4, 6)


def candidate_codes(region_code: str) -> list[str]:
    """The codes whose line could apply to a region, most specific first ("" last)."""
    return [region_code[:n] for n in reversed(LINE_CODE_LENGTHS) if n <= len(region_code)]


class LineBook:
    """Monitoring lines loaded once (a few rows per year), answering "which line applies".

    Loops over many households or cases load the book once and ask it per (region, year): one
    query and a dictionary instead of one query each.
    """

    def __init__(self, lines: Iterable[MonitoringLine]):
        self._by_year: dict[int, dict[str, MonitoringLine]] = {}
        for line in lines:
            self._by_year.setdefault(line.year, {})[line.region_code] = line
        self._years = sorted(self._by_year, reverse=True)

    @classmethod
    def load(cls) -> LineBook:
        return cls(MonitoringLine.objects.all())

    def of_year(self, year: int) -> list[MonitoringLine]:
        """The year's lines, most specific first: the order in which they are tried."""
        return sorted(self._by_year.get(year, {}).values(), key=lambda line: -len(line.region_code))

    def in_force(self, region_code: str, year: int, *, earlier_year: bool = False) -> MonitoringLine | None:
        """The year's most specific line covering the region; None when the year has none for it.

        With ``earlier_year``, a year without a line for the region is answered with the most
        recent earlier year's line (its ``year`` says which); never a later year's.
        """
        codes = candidate_codes(region_code)
        for y in self._years if earlier_year else [year]:
            if y > year:
                continue
            lines = self._by_year.get(y, {})
            for code in codes:
                if code in lines:
                    return lines[code]
        return None


def line_in_force(region_code: str, year: int, *, earlier_year: bool = False) -> MonitoringLine | None:
    """The line for a household (its region code) and year: ``LineBook.in_force`` in one query."""
    lines = MonitoringLine.objects.filter(region_code__in=candidate_codes(region_code))
    lines = lines.filter(year__lte=year) if earlier_year else lines.filter(year=year)
    return LineBook(lines).in_force(region_code, year, earlier_year=earlier_year)


class MonitoringLineQuerySet(models.QuerySet["MonitoringLine"]):
    def for_year(self, year: int) -> list[MonitoringLine]:
        """The year's lines, most specific first: the order in which they are tried."""
        return LineBook(self.filter(year=year)).of_year(year)

    def for_region(self, year: int, region_code: str) -> MonitoringLine | None:
        """The line that applies to a region that year (``line_in_force``), None when none covers it.

        A county line overrides its prefecture's, which overrides its province's, which
        overrides the national line.
        """
        return LineBook(self.filter(year=year, region_code__in=candidate_codes(region_code))).in_force(
            region_code, year)


class MonitoringLine(TimeStampedModel):
    """The year's income line for a region; households below it are within the monitoring range.

    The region is kept as a code rather than a foreign key: a county deployment holds its own
    subtree and not the province row a provincial line belongs to, and the national line has
    no region at all (``region_code`` ""). Changes go through ``services.save_line`` so that
    each one lands in the change log, which is this model's history.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    region_code = models.CharField(
        _("region code"), max_length=6, blank=True, db_index=True,
        help_text=_("Province (2 digits), prefecture (4) or county (6) code; empty for the national line."),
    )
    amount = models.DecimalField(_("amount (yuan per person per year)"), max_digits=10, decimal_places=2)
    basis = models.TextField(_("basis"), blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    objects = MonitoringLineQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "region_code"]
        verbose_name = _("monitoring line")
        verbose_name_plural = _("monitoring lines")
        constraints = [
            models.UniqueConstraint(fields=["year", "region_code"], name="monitoringline_unique_year_region"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region_code or _('national')}: {self.amount}"

    def clean(self) -> None:
        code = self.region_code or ""
        if len(code) not in LINE_CODE_LENGTHS or (code and not code.isdigit()):
            raise ValidationError({"region_code": _(
                "A line belongs to the country (empty), a province (2 digits), a prefecture (4) or a county (6)."
            )})
        if self.amount is not None and self.amount <= 0:
            raise ValidationError({"amount": _("The line must be a positive amount.")})
