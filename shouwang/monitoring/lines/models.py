"""The monitoring line (监测范围 / 收入基准线): an income amount per year and region.

Which line applies to a household on a date is answered in one place: ``line_in_force`` (the
resolver), or ``LineBook.in_force`` for loops that ask many times, which is the same answer
from rows loaded once. The line is the most specific line of that year whose region code is a
prefix of the household's (county over prefecture over province over the national line), a
line set for the year taking precedence over a carried-forward one.
Screening's ``line`` fact is the same resolution written as SQL, from ``LineBook.of_year``'s
order. A year without a line has none: the answer is None, never another year's line or a
constant, and whoever asked says so (``services.no_line_message``). Keeping the previous
year's amount is a decision the county records (沿用上年标准, ``services.carry_forward``): a
line of its own, ``carried_forward`` and naming the year it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
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
        by_year: dict[int, list[MonitoringLine]] = {}
        for line in lines:
            by_year.setdefault(line.year, []).append(line)
        # Lines set for the year before carried-forward ones (a line published later for a wider
        # region replaces the county's decision to keep last year's), each most specific first.
        self._by_year = {
            year: sorted(found, key=lambda line: (line.carried_forward, -len(line.region_code)))
            for year, found in by_year.items()
        }

    @classmethod
    def load(cls, year: int | None = None) -> LineBook:
        """Every line, or only ``year``'s (all a loop over one year needs)."""
        lines = MonitoringLine.objects.all()
        return cls(lines if year is None else lines.filter(year=year))

    def of_year(self, year: int) -> list[MonitoringLine]:
        """The year's lines in the order they are tried: set before carried forward, most specific first."""
        return list(self._by_year.get(year, []))

    def in_force(self, region_code: str, on: date | int) -> MonitoringLine | None:
        """The year's line covering the region (``of_year``'s order); None when the year has none for it."""
        for line in self._by_year.get(year_of(on), []):
            if region_code.startswith(line.region_code):
                return line
        return None


def year_of(on: date | int) -> int:
    """The year a date falls in (a year is its own year)."""
    return on if isinstance(on, int) else on.year


def line_in_force(region_code: str, on: date | int) -> MonitoringLine | None:
    """THE line for a region (a household's code) on a date or in a year; None when that year has none.

    Every part that judges income against the line asks here (or ``LineBook.in_force``, the same
    answer for many lookups): screening, visits, categories, elimination, consistency, dashboards.
    """
    year = year_of(on)
    lines = MonitoringLine.objects.filter(year=year, region_code__in=candidate_codes(region_code))
    return LineBook(lines).in_force(region_code, year)


class MonitoringLineQuerySet(models.QuerySet["MonitoringLine"]):
    def for_year(self, year: int) -> list[MonitoringLine]:
        """The year's lines in the order in which they are tried (``LineBook.of_year``)."""
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
    # A year whose line was not (yet) published is covered by an explicit decision to keep the
    # previous year's amount (沿用上年标准): a real record, with its basis, never an implicit fallback.
    carried_forward = models.BooleanField(_("carried forward from the previous year"), default=False)
    carried_from_year = models.PositiveSmallIntegerField(_("carried forward from year"), null=True, blank=True)
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

    @property
    def carried_note(self) -> str:
        """"沿用上年标准 (from 2023)" for a carried-forward line, "" for a line set for its year."""
        if not self.carried_forward:
            return ""
        return gettext("Previous year's line carried forward (from %(year)s)") % {
            "year": self.carried_from_year or self.year - 1}

    def clean(self) -> None:
        code = self.region_code or ""
        if len(code) not in LINE_CODE_LENGTHS or (code and not code.isdigit()):
            raise ValidationError({"region_code": _(
                "A line belongs to the country (empty), a province (2 digits), a prefecture (4) or a county (6)."
            )})
        if self.amount is not None and self.amount <= 0:
            raise ValidationError({"amount": _("The line must be a positive amount.")})
        if self.carried_forward and not (self.carried_from_year and self.year and self.carried_from_year < self.year):
            raise ValidationError({"carried_from_year": _(
                "A carried-forward line names the earlier year whose line it keeps.")})
        if self.carried_forward and not (self.basis or "").strip():
            raise ValidationError({"basis": _(
                "Carrying the previous year's line forward needs its basis (the document or decision).")})
        if not self.carried_forward:
            self.carried_from_year = None


class PopulationTerm(TimeStampedModel):
    """The name of the monitored population a county uses for a year (policy.md §1): 防止返贫监测对象
    up to 2024, 防止返贫致贫对象 from 2025 (the 2025 and 2026 No.1 Documents). Pages, public notices
    and exports of that year print it (``terms.term_for``); without a row the defaults apply.
    """

    region_code = models.CharField(_("county code"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    term = models.CharField(_("term"), max_length=40)
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["region_code", "-year"]
        verbose_name = _("term of the monitored population")
        verbose_name_plural = _("terms of the monitored population")
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="populationterm_unique_year")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}: {self.term}"
