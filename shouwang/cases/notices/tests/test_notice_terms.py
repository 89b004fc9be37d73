"""Public notices print the term of the monitored population of their year and county."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.notices.documents import notice_content
from shouwang.cases.notices.models import Notice
from shouwang.monitoring.lines.terms import TERM_FROM_2025, TERM_UNTIL_2024, set_term

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("year", "expected"), [(2024, TERM_UNTIL_2024), (2025, TERM_FROM_2025)])
def test_a_notice_prints_the_term_of_its_year(regions, year, expected):
    start = date(year, 3, 2)
    notice = Notice.objects.create(region_code=VILLAGE_A1, starts_on=start, ends_on=start + timedelta(days=6))
    content = notice_content(notice)
    assert content.title == f"{expected}识别纳入公示"
    assert expected in content.intro


def test_a_notice_follows_the_countys_setting(regions):
    set_term(COUNTY, 2025, "县定称谓对象")
    notice = Notice.objects.create(region_code=VILLAGE_A1, starts_on=date(2025, 5, 1), ends_on=date(2025, 5, 8))
    assert notice_content(notice).title == "县定称谓对象识别纳入公示"
