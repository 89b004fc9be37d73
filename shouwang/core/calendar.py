"""The working-day calendar every deadline is counted on (warnings' verification, procedures).

Working days are Monday to Friday for now; public holidays and adjusted working days (调休) are
not known yet, and when they are, they are added here and every deadline follows.
"""

from __future__ import annotations

from datetime import date, timedelta

CALENDAR = "calendar"
WORKING = "working"


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def add_days(start: date, days: int, day_kind: str) -> date:
    """``days`` calendar or working days after ``start`` (``day_kind`` is ``"calendar"`` or ``"working"``)."""
    if day_kind == WORKING:
        return add_working_days(start, days)
    return start + timedelta(days=days)
