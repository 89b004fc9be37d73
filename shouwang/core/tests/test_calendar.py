"""The one calendar every deadline is counted on: Chinese public holidays and 调休, county overrides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shouwang.core import calendar
from shouwang.core.calendar import CALENDAR, WORKING, add_days, add_working_days, is_working_day
from shouwang.core.models import ChangeLog, WorkingDayOverride

pytestmark = pytest.mark.django_db

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


def test_the_national_day_week_is_off_and_its_sunday_before_is_worked():
    for offset in range(8):  # 2025-10-01 (Wednesday) to 10-08: National Day and Mid-autumn
        assert not is_working_day(date(2025, 10, 1) + timedelta(days=offset))
    assert is_working_day(date(2025, 9, 28))  # a Sunday worked in lieu (调休)
    assert is_working_day(date(2025, 10, 11))  # a Saturday worked in lieu
    assert is_working_day(date(2025, 10, 9))


def test_working_days_across_the_national_day_week():
    # Friday 26 September 2025: Sunday 28 is worked, Monday 29 and Tuesday 30 too, then eight
    # days off; Thursday 9 and Friday 10 October, Saturday 11 worked in lieu.
    start = date(2025, 9, 26)
    assert add_working_days(start, 1) == date(2025, 9, 28)
    assert add_working_days(start, 3) == date(2025, 9, 30)
    assert add_working_days(start, 4) == date(2025, 10, 9)
    assert add_working_days(start, 6) == date(2025, 10, 11)
    assert add_working_days(start, 7) == date(2025, 10, 13)
    assert add_days(start, 4, WORKING) == date(2025, 10, 9)


def test_a_county_override_wins_over_the_national_calendar():
    calendar.set_override(date(2025, 10, 9), False, "local festival")
    calendar.set_override(date(2025, 10, 4), True, "flood relief duty")
    assert not is_working_day(date(2025, 10, 9))
    assert is_working_day(date(2025, 10, 4))
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 4)
    assert add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)
    entry = ChangeLog.objects.filter(object_type="core.workingdayoverride").latest("id")
    assert entry.after == {"working": True, "note": "flood relief duty"}

    calendar.set_override(date(2025, 10, 4), False, "")
    assert WorkingDayOverride.objects.get(day=date(2025, 10, 4)).is_working_day is False
    assert calendar.remove_override(date(2025, 10, 4)) and not calendar.remove_override(date(2025, 10, 4))
    assert calendar.remove_override(date(2025, 10, 9))
    assert is_working_day(date(2025, 10, 9))


def test_a_year_the_package_does_not_cover_is_monday_to_friday_plus_overrides():
    later = calendar.covered_years().stop  # the first year without national data
    first_of_may = date(later, 5, 1)
    monday = first_of_may + timedelta(days=(7 - first_of_may.weekday()) % 7)
    assert calendar.national_exceptions(later) == []
    assert is_working_day(monday)
    assert not is_working_day(monday + timedelta(days=5))
    calendar.set_override(monday, False, "Labour Day")
    assert not is_working_day(monday)
    assert add_working_days(monday - timedelta(days=3), 1) == monday + timedelta(days=1)


def test_the_national_exceptions_of_a_year():
    found = {day: (working, name) for day, working, name in calendar.national_exceptions(2025)}
    assert found[date(2025, 10, 1)] == (False, "National Day")
    assert found[date(2025, 9, 28)] == (True, "National Day")
    assert date(2025, 10, 4) not in found  # a Saturday off is no exception to Monday–Friday
