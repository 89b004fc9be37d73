"""Changing the monitoring line: checked and logged (who may is :mod:`.permissions`').

History of a line is the change log (``shouwang.core.audit``): each save writes one
before/after entry in the same transaction, chained by hashes like every other change, so
the line needs no history table of its own.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.models import ChangeLog
from shouwang.core.permissions import require, restrict
from shouwang.registry.models import HouseholdYear

from .models import LineBook, MonitoringLine, candidate_codes, line_in_force
from .permissions import EDIT_LINE, VIEW_LINE, line_refusal

LINE_FIELDS = ("year", "region_code", "amount", "basis", "document_number", "source", "carried_forward",
               "carried_from_year")
_JSON_TYPES = (str, int, bool, dict, list, type(None))


def _snapshot(obj, fields: tuple[str, ...]) -> dict:
    data = {name: getattr(obj, name) for name in fields}
    return {k: (v if isinstance(v, _JSON_TYPES) else str(v)) for k, v in data.items()}


def _acting(user):
    """Attribute the change to ``user`` unless a request or command already says who acts."""
    return acting_unless_known(user, "monitoring")


def save_line(line: MonitoringLine, user) -> MonitoringLine:
    """Validate and save a line, recording before and after in the change log.

    A carried-forward line keeps the amount of the line it carries: changing the amount is
    setting a line of the year's own, which is no longer carried forward.
    """
    line.full_clean()
    if line.carried_forward and line.carried_from_year is not None:  # full_clean requires the year
        source = line_in_force(line.region_code, line.carried_from_year)
        if source is None or source.amount != line.amount:
            raise ValidationError({"amount": _(
                "A line carried forward from %(year)s keeps that year's amount; to set another amount, "
                "untick “carried forward”."
            ) % {"year": line.carried_from_year}})
    # "" is the country's line, on every path; a line wider than a county is a province's to set
    require(user, EDIT_LINE.name, line.region_code or "", message=line_refusal(line.region_code or ""))
    with transaction.atomic(), _acting(user):
        before = None
        if line.pk:
            old = MonitoringLine.objects.select_for_update().get(pk=line.pk)
            require(user, EDIT_LINE.name, old.region_code, message=line_refusal(old.region_code))
            before = _snapshot(old, LINE_FIELDS)
        line.changed_by = user if getattr(user, "pk", None) else None
        line.save()
        line.refresh_from_db(fields=list(LINE_FIELDS))
        after = _snapshot(line, LINE_FIELDS)
        if before != after:
            record_changes([Change(
                action="update" if before else "create", object_type="monitoring.monitoringline", object_id=line.pk,
                object_repr=str(line), region_code=line.region_code, before=before, after=after,
            )])
    return line


def line_history(line: MonitoringLine) -> QuerySet[ChangeLog]:
    """Every recorded change of a line, newest first."""
    return ChangeLog.objects.filter(object_type="monitoring.monitoringline", object_id=str(line.pk)).order_by("-id")


def lines_for(user) -> QuerySet[MonitoringLine]:
    """The lines a user reads: those on the path to their region (national, province, prefecture,
    county) and any inside it. Lines carry no personal data; a role without "view" sees none."""
    lines = restrict(user, MonitoringLine.objects.all(), VIEW_LINE.name)
    return lines.select_related("changed_by").order_by("-year", "region_code")


def carry_forward(year: int, region_code: str, user, basis: str) -> MonitoringLine:
    """Record that ``year`` keeps the previous year's line for a region (沿用上年标准): a line of its own.

    The amount is that of the line in force for ``year - 1`` in the region; ``basis`` (the
    document or decision to keep it) is required. Refused when a line is already in force for
    the region in ``year`` (its own or a wider region's) or none is in force the year before.
    Saved through ``save_line``: checked, and logged in the change log.
    """
    basis = (basis or "").strip()
    if not basis:
        raise ValidationError({"basis": _(
            "Carrying the previous year's line forward needs its basis (the document or decision).")})
    # Refused where any line applies already (the region's own or a wider one): a published line wins.
    current = line_in_force(region_code, year)
    if current is not None:
        raise ValidationError(_(
            "A monitoring line for %(year)s is already in force for this region (%(amount)s yuan); there is "
            "nothing to carry forward."
        ) % {"year": year, "amount": f"{current.amount:,.2f}"})
    earlier = line_in_force(region_code, year - 1)
    if earlier is None:
        raise ValidationError(_(
            "No monitoring line is in force for %(year)s in this region: there is nothing to carry forward; "
            "set the line of %(next)s instead."
        ) % {"year": year - 1, "next": year})
    line = MonitoringLine(
        year=year, region_code=region_code, amount=earlier.amount, basis=basis, carried_forward=True,
        carried_from_year=year - 1,
    )
    return save_line(line, user)


def missing_line(region_code: str, year: int) -> bool:
    """Whether no monitoring line is in force for a region in ``year`` (rules using the line cannot fire)."""
    return line_in_force(region_code, year) is None


def latest_data_year(region_code: str = "") -> int | None:
    """The latest year with household-year records in a region."""
    years = HouseholdYear.objects.all()
    if region_code:
        years = years.filter(region_code__startswith=region_code)
    return years.order_by("-year").values_list("year", flat=True).first()


def missing_line_years(region_code: str, today: date | None = None, *, data_year: int | None = None) -> list[int]:
    """The years a region needs a line for and has none, newest first: the current year and the
    latest year with household-year data (the year screening, categories and the dashboard judge;
    ``data_year`` where the caller knows it already). One query for the lines."""
    years = {(today or timezone.localdate()).year}
    latest = data_year if data_year is not None else latest_data_year(region_code)
    if latest is not None:
        years.add(latest)
    book = LineBook(MonitoringLine.objects.filter(year__in=years, region_code__in=candidate_codes(region_code)))
    return sorted((year for year in years if book.in_force(region_code, year) is None), reverse=True)


def no_line_message(year: int) -> str:
    """What a part that needs the line says when ``year`` has none: the year and where to set it."""
    return _(
        "No monitoring line is set for %(year)s in this region, so income cannot be judged against it. "
        "Set the %(year)s line or record that the previous year's line is carried forward on the "
        "monitoring lines page (%(url)s)."
    ) % {"year": year, "url": reverse("monitoring:line_list")}
