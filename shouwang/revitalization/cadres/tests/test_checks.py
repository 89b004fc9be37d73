"""The register's checks: each fires on a hand-made case and not on its twin."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.casefiles.models import CaseStatus
from shouwang.cases.tests.factories import make_case, make_contact

from .. import services
from ..models import Cadre, CadreKind, CadreSettings, ContactLink
from .factories import make_cadre, record_months

pytestmark = pytest.mark.django_db

TODAY = date.today()


def _hold(cadre: Cadre, households: int, *, status: str = CaseStatus.MONITORED, village: str = VILLAGE_A1,
          **contact) -> None:
    for _ in range(households):
        case = make_case(village=village, status=status, contact=False)
        ContactLink.objects.create(cadre=cadre, contact=make_contact(case, name=cadre.name, **contact))


def test_contact_above_the_county_limit_is_listed_and_its_twin_at_the_limit_is_not(regions):
    CadreSettings.objects.create(region_code=COUNTY, max_households_per_contact=2)
    over = make_cadre(name="超额", seq=1)
    at_limit = make_cadre(name="刚好", seq=2)
    _hold(over, 3)
    _hold(at_limit, 2)
    found = list(services.overloaded_contacts(Cadre.objects.all(), TODAY))
    assert found == [over]
    assert found[0].households_held == 3


def test_only_open_cases_and_current_contacts_count_towards_the_limit(regions):
    CadreSettings.objects.create(region_code=COUNTY, max_households_per_contact=1)
    cadre = make_cadre(seq=3)
    _hold(cadre, 1)
    _hold(cadre, 1, status=CaseStatus.ELIMINATED)  # risk eliminated: no longer held
    _hold(cadre, 1, starts_on=TODAY - timedelta(days=90), ends_on=TODAY - timedelta(days=1))  # handed over
    held = services.with_households_held(Cadre.objects.filter(pk=cadre.pk), TODAY).get().households_held
    assert held == 1
    assert not services.overloaded_contacts(Cadre.objects.all(), TODAY).exists()
    _hold(cadre, 1)
    assert list(services.overloaded_contacts(Cadre.objects.all(), TODAY)) == [cadre]


def test_the_limit_is_the_county_setting_with_a_default(regions):
    cadre = make_cadre(seq=4)
    _hold(cadre, 6)
    assert CadreSettings.for_region(VILLAGE_A1).max_households_per_contact == 5
    assert list(services.overloaded_contacts(Cadre.objects.all(), TODAY)) == [cadre]
    CadreSettings.objects.create(region_code=COUNTY, max_households_per_contact=6)
    assert not services.overloaded_contacts(Cadre.objects.all(), TODAY).exists()


def test_first_secretary_short_of_days_is_flagged_and_the_twin_with_enough_is_not():
    year = 2025
    on = date(2025, 6, 30)  # half the year gone: 181 of 365 days → ceil(220 × 181 / 365) = 110 owed
    short = make_cadre(CadreKind.FIRST_SECRETARY, name="短缺", seq=5, term_start=date(2024, 6, 1))
    enough = make_cadre(CadreKind.FIRST_SECRETARY, name="足额", seq=6, term_start=date(2024, 6, 1))
    record_months(short, year, {1: 18, 2: 18, 3: 18, 4: 18, 5: 18, 6: 19})  # 109
    record_months(enough, year, {1: 18, 2: 18, 3: 18, 4: 18, 5: 18, 6: 20})  # 110
    record_months(short, 2024, {12: 31})  # another year does not count
    found = services.attendance_shortfalls(Cadre.objects.all(), year, on)
    assert [(s.cadre, s.recorded, s.required) for s in found] == [(short, 109, 110)]


def test_days_owed_follow_the_term_and_the_county_minimum(regions):
    year = 2025
    late = make_cadre(CadreKind.FIRST_SECRETARY, seq=7, term_start=date(2025, 10, 1))  # 92 days of the year
    assert services.required_days(late, year, date(2025, 12, 31), 220) == 56  # ceil(220 × 92 / 365)
    record_months(late, year, {10: 20, 11: 20, 12: 15})  # 55
    assert [s.cadre for s in services.attendance_shortfalls(Cadre.objects.all(), year, date(2025, 12, 31))] == [late]
    CadreSettings.objects.create(region_code=COUNTY, min_days_per_year=200)  # ceil(200 × 92 / 365) = 51
    assert services.attendance_shortfalls(Cadre.objects.all(), year, date(2025, 12, 31)) == []


def test_a_contact_or_a_past_first_secretary_is_not_checked_for_days():
    make_cadre(CadreKind.CONTACT, seq=8)
    make_cadre(CadreKind.FIRST_SECRETARY, seq=9, term_start=date(2020, 1, 1), term_end=date(2024, 12, 31))
    assert services.attendance_shortfalls(Cadre.objects.all(), 2025, date(2025, 12, 31)) == []


def test_first_secretaries_in_term_of_a_region():
    day = date(2025, 5, 1)
    serving = make_cadre(CadreKind.FIRST_SECRETARY, village=VILLAGE_A1, seq=10, term_start=date(2024, 1, 1))
    make_cadre(CadreKind.FIRST_SECRETARY, village=VILLAGE_A2, seq=11, term_start=date(2022, 1, 1),
               term_end=date(2024, 12, 31))  # term over
    make_cadre(CadreKind.FIRST_SECRETARY, village=VILLAGE_A2, seq=12, term_start=date(2025, 6, 1))  # not yet
    make_cadre(CadreKind.TEAM_MEMBER, village=VILLAGE_A1, seq=13, term_start=date(2024, 1, 1))  # not a secretary
    outside = make_cadre(CadreKind.FIRST_SECRETARY, village=VILLAGE_B1, seq=14, term_start=date(2024, 1, 1))
    assert list(services.first_secretaries_in_term(TOWNSHIP_A, day)) == [serving]
    assert set(services.first_secretaries_in_term(COUNTY, day)) == {serving, outside}
    assert list(services.first_secretaries_in_term(VILLAGE_A2, day)) == []
