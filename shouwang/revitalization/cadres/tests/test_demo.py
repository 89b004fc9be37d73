"""The demo register on a small generated county: plausible, consistent with the database, repeatable."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import COUNTY, VILLAGE_A1, VILLAGE_B1
from shouwang.cases.casefiles.models import CaseStatus
from shouwang.cases.tests.factories import make_case, make_contact
from shouwang.regions.models import Region

from .. import demo, services
from ..models import Attendance, Cadre, CadreKind, ContactLink, Training, TrainingAttendance

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_demo_register(regions):
    for village in (VILLAGE_A1, VILLAGE_A1, VILLAGE_B1):
        make_contact(make_case(village=village, status=CaseStatus.MONITORED, contact=False), name="帮扶甲")
    today = date(YEAR, 9, 30)
    counts = demo.populate(COUNTY, YEAR, seed=5, today=today)

    villages = Region.objects.filter(level="village", code__startswith=COUNTY).count()
    key = demo.key_villages(COUNTY, YEAR)
    assert counts["first_secretaries"] == len(key) == Cadre.objects.filter(kind=CadreKind.FIRST_SECRETARY).count()
    assert 0 < len(key) < villages
    assert services.first_secretaries_in_term(COUNTY, today).count() == len(key)
    assert counts["talent"] == Cadre.objects.filter(kind=CadreKind.TALENT).count() > 0
    assert counts["contacts"] == 2  # one name in two townships
    assert counts["contacts_linked"] == ContactLink.objects.count() == 3
    held = services.with_households_held(Cadre.objects.filter(kind=CadreKind.CONTACT), today)
    assert sorted(c.households_held for c in held) == [1, 2]
    assert counts["attendance_months"] == Attendance.objects.count() > 0
    assert not Attendance.objects.filter(month__gt=today).exists()
    short = services.attendance_shortfalls(Cadre.objects.all(), YEAR, today)
    assert len(short) < len(key)
    assert counts["trainings"] == Training.objects.count() == len(demo.TRAININGS)
    assert counts["training_attendance"] == TrainingAttendance.objects.count() > 0
    assert all(c.id_index and c.phone_masked for c in Cadre.objects.exclude(kind=CadreKind.CONTACT))

    assert demo.populate(COUNTY, YEAR, seed=5, today=today)["first_secretaries"] == 0  # nothing twice
