"""The term of the monitored population per year: the default switch at 2025 and the county's own setting."""

from __future__ import annotations

from datetime import date

import pytest
from django.template import Context, Template

from conftest import COUNTY, VILLAGE_A1
from shouwang.core.models import ChangeLog
from shouwang.monitoring.lines.terms import (
    SOURCE_COUNTY,
    SOURCE_DEFAULT,
    TERM_FROM_2025,
    TERM_UNTIL_2024,
    set_term,
    term_for,
    term_in_force,
    with_term,
)

pytestmark = pytest.mark.django_db


def test_the_default_term_switches_at_2025():
    assert term_for(2023, VILLAGE_A1) == "防止返贫监测对象" == TERM_UNTIL_2024
    assert term_for(2024, VILLAGE_A1) == TERM_UNTIL_2024
    assert term_for(2025, VILLAGE_A1) == "防止返贫致贫对象" == TERM_FROM_2025
    assert term_for(2026, VILLAGE_A1) == TERM_FROM_2025
    assert term_in_force(2026, VILLAGE_A1).source == SOURCE_DEFAULT
    assert term_for(date(2024, 12, 31)) == TERM_UNTIL_2024  # a date: its year; no county: the default


def test_the_county_setting_of_a_year_decides_there_only(regions):
    set_term(COUNTY, 2026, "防止返贫致贫监测对象", basis="县乡村振兴局通知")
    assert term_in_force(2026, VILLAGE_A1).term == "防止返贫致贫监测对象"
    assert term_in_force(2026, VILLAGE_A1).source == SOURCE_COUNTY
    assert term_for(2025, VILLAGE_A1) == TERM_FROM_2025  # another year: the default
    assert term_for(2026, "430000000000") == TERM_FROM_2025  # another county: the default
    assert ChangeLog.objects.filter(object_type="monitoring.populationterm", action="create").count() == 1
    set_term(COUNTY, 2026, "")  # removing the setting: the default again
    assert term_in_force(2026, VILLAGE_A1).source == SOURCE_DEFAULT
    assert ChangeLog.objects.filter(object_type="monitoring.populationterm", action="delete").count() == 1


def test_the_template_tag_and_the_text_helper():
    rendered = Template("{% load population_terms %}{% term_for 2024 code %}|{% term_for 2025 code %}").render(
        Context({"code": VILLAGE_A1}))
    assert rendered == f"{TERM_UNTIL_2024}|{TERM_FROM_2025}"
    assert with_term("防止返贫监测对象识别纳入公示", TERM_FROM_2025) == "防止返贫致贫对象识别纳入公示"
