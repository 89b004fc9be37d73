"""A visit's income estimate is judged against the one line in force on the visit's date, or said unchecked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from conftest import COUNTY, VILLAGE_A1
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.lines.services import carry_forward
from shouwang.monitoring.models import MonitoringLine, Visit, Warning
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

SECURED = {f"{name}_secured": "on" for name in ("food", "clothing", "education", "medical", "housing", "water")}


def test_a_visit_below_a_carried_forward_line_raises_a_warning(personas):
    MonitoringLine.objects.filter(year__gt=2023).delete()
    for year in range(2024, timezone.localdate().year + 1):
        carry_forward(year, COUNTY, personas["frank"], "县防返贫领导小组会议纪要：沿用上年标准")
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(Visit(household=household, income_estimate=Decimal(3000)), personas["alice"])
    assert visit.line_amount == Decimal("7500.00") and visit.findings == ["income_below_line"]
    assert visit.warning_id and Warning.objects.filter(household=household).exists()


def test_the_line_of_the_visits_own_date_is_used(personas):
    MonitoringLine.objects.filter(year__gt=2023).delete()
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(
        Visit(household=household, income_estimate=Decimal(7000), visited_on=date(2023, 5, 1)), personas["alice"])
    assert visit.line_amount == Decimal("7500.00") and visit.findings == ["income_below_line"]


def test_a_visit_in_a_year_without_a_line_says_the_estimate_was_not_checked(personas):
    this_year = timezone.localdate().year
    MonitoringLine.objects.filter(year__gt=2023).delete()
    household = make_household(VILLAGE_A1)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["alice"])
    response = client.post(f"/monitoring/households/{household.pk}/visit/",
                           {"visited_on": timezone.localdate().isoformat(), "income_estimate": "3000", **SECURED},
                           follow=True)
    visit = Visit.objects.get()
    assert visit.line_amount is None and visit.findings == [] and not Warning.objects.exists()
    html = response.content.decode()
    assert f"The income estimate was not checked: no monitoring line is set for {this_year}" in html
    assert f'data-missing-line="{this_year}"' in html and 'href="/monitoring/lines/"' in html
