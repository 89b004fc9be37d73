"""Risk elimination on the case page: the criteria, refusals, starting it, rollback and re-identification."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.models import CaseStatus, ProcedureKind, RiskType
from shouwang.cases.tests.factories import make_case, make_measure
from shouwang.monitoring.models import MonitoringLine
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def line_this_year(regions):
    """The criteria judge by this year's line, never an earlier year's: the county has set one."""
    MonitoringLine.objects.update_or_create(year=timezone.localdate().year, region_code=COUNTY,
                                            defaults={"amount": Decimal("7500")})


def stable_case(**kw):
    """A monitored case whose household meets every elimination criterion (10,000 yuan each, safe housing)."""
    household = make_household(VILLAGE_A1, wage="30000")
    household.years.update(housing_grade="A")
    kw.setdefault("identified_on", timezone.localdate() - timedelta(days=200))
    return make_case(household, status=CaseStatus.MONITORED, **kw)


def test_elimination_criteria_are_shown_one_by_one(client, personas):
    case = stable_case()
    case.household.years.update(housing_grade="D")
    client.force_login(personas["alice"])
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    for code in ("income_stable", "guarantees", "rigid_spending", "no_new_risk"):
        assert f'data-criterion="{code}"' in html
    guarantees = html[html.index('data-criterion="guarantees"'):]
    guarantees = guarantees[:guarantees.index("</li>")]
    assert "Does not hold" in guarantees and "grade D" in guarantees
    income = html[html.index('data-criterion="income_stable"'):]
    assert "Holds" in income[:income.index("</li>")]


def test_refused_elimination_is_explained_before_and_after_pressing(client, personas):
    case = stable_case()
    case.household.years.update(housing_grade="C")
    client.force_login(personas["alice"])
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Refused now:" in html and "grade C" in html
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "start_elimination",
                                                                         "mode": "natural"})
    assert response.status_code == 409 and "grade C" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED


def test_assistance_elimination_in_the_month_after_identification_is_refused(client, personas):
    case = stable_case(identified_on=timezone.localdate() - timedelta(days=2))
    make_measure(case, "industry")
    client.force_login(personas["alice"])
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "start_elimination",
                                                                         "mode": "assistance"})
    assert response.status_code == 409
    assert "not allowed in the month of identification" in response.content.decode()


def test_elimination_starts_from_the_page_when_the_criteria_hold(client, personas):
    case = stable_case()
    client.force_login(personas["alice"])
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "start_elimination",
                                                                         "mode": "natural"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ELIMINATING
    assert case.procedures.get(status="open").kind == ProcedureKind.ELIMINATION


def test_eliminated_case_is_identified_again_for_a_new_risk(client, personas):
    household = make_household(VILLAGE_A1, wage="6000")
    case = make_case(household, status=CaseStatus.ELIMINATED, risk_codes=("YB",))
    client.force_login(personas["alice"])
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("cases:case_reidentify", args=[case.pk]) in html
    response = client.post(reverse("cases:case_reidentify", args=[case.pk]), {
        "category": "edge", "risk_types": [RiskType.objects.get(code="YYWSG").pk],
        "first_clue_date": timezone.localdate().isoformat(), "reason": "Injured at work",
    })
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFYING
    assert list(case.risk_types.values_list("code", flat=True)) == ["YYWSG"]
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Earlier procedures:" in html and 'data-action="reidentify"' in html


def test_county_rolls_back_an_elimination_with_a_reason(client, personas):
    case = make_case(make_household(VILLAGE_A1, wage="6000"), status=CaseStatus.ELIMINATED)
    client.force_login(personas["alice"])
    assert 'data-action="rollback_elimination"' not in client.get(
        reverse("cases:case_detail", args=[case.pk])).content.decode()
    client.force_login(personas["erin"])
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'data-action="rollback_elimination"' in html
    response = client.post(reverse("cases:case_act", args=[case.pk]), {"action": "rollback_elimination",
                                                                         "reason": "Income fell again."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORED and case.eliminated_on is None
