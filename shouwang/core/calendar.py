"""The working-day calendar every deadline is counted on (warnings' verification, procedures).

A day is a working day by, in this order:

1. the county's override for that date (``WorkingDayOverride``: a local day off, or a day worked);
2. the national calendar of public holidays and adjusted working days (调休) of the State Council,
   from the package ``chinesecalendar`` (the years it covers: :func:`covered_years`);
3. outside those years, Monday to Friday (the schedule page says which years these are, so the
   county can enter that year's holidays as overrides until the package is updated).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from django.db import transaction

from .audit import Change, record_changes
from .models import WorkingDayOverride

CALENDAR = "calendar"
WORKING = "working"


@cache
def covered_years() -> range:
    """The years the national calendar package knows (holidays and 调休)."""
    years = [day.year for day in chinese_calendar.constants.holidays]
    return range(min(years), max(years) + 1)


def national_working_day(day: date) -> bool:
    """Working day by the national calendar, or Monday to Friday where the package has no data."""
    if day.year in covered_years():
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def national_exceptions(year: int) -> list[tuple[date, bool, str]]:
    """The year's days that the national calendar treats otherwise than Monday to Friday: public
    holidays on weekdays (False) and weekend days worked (True, 调休), with the holiday's English
    name from the package; empty for a year the package does not cover."""
    if year not in covered_years():
        return []
    found = []
    day = date(year, 1, 1)
    while day.year == year:
        working = bool(chinese_calendar.is_workday(day))
        if working != (day.weekday() < 5):
            _holiday, name = chinese_calendar.get_holiday_detail(day)
            found.append((day, working, name or ""))
        day += timedelta(days=1)
    return found


def overrides_between(first: date, last: date) -> dict[date, bool]:
    """The county's overrides from ``first`` to ``last`` (inclusive): date → working day."""
    return dict(
        WorkingDayOverride.objects.filter(day__gte=first, day__lte=last).values_list("day", "is_working_day")
    )


def _working(day: date, overrides: Mapping[date, bool]) -> bool:
    found = overrides.get(day)
    return found if found is not None else national_working_day(day)


def is_working_day(day: date) -> bool:
    return _working(day, overrides_between(day, day))


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (the overrides read in one query per span)."""
    current = start
    # A generous span holds every holiday week; a longer count reads the next span.
    while days > 0:
        span_end = current + timedelta(days=2 * days + 21)
        overrides = overrides_between(current + timedelta(days=1), span_end)
        while days > 0 and current < span_end:
            current += timedelta(days=1)
            if _working(current, overrides):
                days -= 1
    return current


def add_days(start: date, days: int, day_kind: str) -> date:
    """``days`` calendar or working days after ``start`` (``day_kind`` is ``"calendar"`` or ``"working"``)."""
    if day_kind == WORKING:
        return add_working_days(start, days)
    return start + timedelta(days=days)


# --- the county's overrides ----------------------------------------------------------------------


def set_override(day: date, is_working_day: bool, note: str = "") -> WorkingDayOverride:
    """Record (or change) the county's override of ``day``, in the change log."""
    with transaction.atomic():
        existing = WorkingDayOverride.objects.select_for_update().filter(day=day).first()
        before = None if existing is None else {"working": existing.is_working_day, "note": existing.note}
        override, _created = WorkingDayOverride.objects.update_or_create(
            day=day, defaults={"is_working_day": is_working_day, "note": note.strip()[:200]},
        )
        record_changes([Change(
            action="update" if existing else "create", object_type="core.workingdayoverride",
            object_id=override.pk, object_repr=day.isoformat(), before=before,
            after={"working": override.is_working_day, "note": override.note},
        )])
    return override


def remove_override(day: date) -> bool:
    """Remove the county's override of ``day`` (the national calendar applies again)."""
    with transaction.atomic():
        existing = WorkingDayOverride.objects.select_for_update().filter(day=day).first()
        if existing is None:
            return False
        record_changes([Change(
            action="delete", object_type="core.workingdayoverride", object_id=existing.pk,
            object_repr=day.isoformat(), before={"working": existing.is_working_day, "note": existing.note},
        )])
        existing.delete()
    return True
