"""The one calendar every deadline is counted on."""

from __future__ import annotations

from datetime import date

import pytest

from shouwang.core.calendar import CALENDAR, WORKING, add_days, add_working_days, is_working_day

FRIDAY = date(2024, 3, 8)


def test_weekends_are_not_working_days():
    assert is_working_day(FRIDAY)
    assert not is_working_day(date(2024, 3, 9)) and not is_working_day(date(2024, 3, 10))


@pytest.mark.parametrize(("days", "due"), [(0, FRIDAY), (1, date(2024, 3, 11)), (5, date(2024, 3, 15)),
                                           (6, date(2024, 3, 18))])
def test_working_days_skip_the_weekend(days, due):
    assert add_working_days(FRIDAY, days) == due


def test_add_days_counts_calendar_or_working_days():
    assert add_days(FRIDAY, 3, CALENDAR) == date(2024, 3, 11)
    assert add_days(FRIDAY, 3, WORKING) == date(2024, 3, 13)
