"""Model-level rules of cases: catalogues seeded, one open case per household, settings lookup."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from conftest import TOWNSHIP_A, VILLAGE_A1
from shouwang.cases.models import (
    Case,
    CaseStatus,
    Category,
    MeasureType,
    ProcedureSettings,
    RiskType,
)
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


def test_catalogues_are_seeded_with_policy_lists():
    assert set(RiskType.objects.filter(parent=None).values_list("code", flat=True)) == {
        "YB", "YX", "YC", "YZRZH", "YYWSG", "YCYXMSB", "YWGJYBW", "QLDL", "QT"}
    flood = RiskType.objects.get(code="YZRZH_HL")
    assert flood.parent.code == "YZRZH" and flood.is_disaster
    assert not RiskType.objects.get(code="YB").is_disaster
    assert MeasureType.objects.count() == 14
    assert set(MeasureType.objects.filter(is_development=True).values_list("code", flat=True)) == {
        "industry", "employment"}


def test_one_open_case_per_household(regions):
    household = make_household(VILLAGE_A1)
    first = Case.objects.create(household=household, category=Category.EDGE, first_clue_date=date(2024, 3, 1))
    assert first.region_code == VILLAGE_A1
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(household=household, category=Category.EDGE, first_clue_date=date(2024, 3, 2))
    Case.objects.filter(pk=first.pk).update(status=CaseStatus.ELIMINATED)
    Case.objects.create(household=household, category=Category.EDGE, first_clue_date=date(2024, 3, 2))
    assert Case.objects.open().count() == 1


def test_procedure_settings_most_specific_prefix_wins():
    assert ProcedureSettings.for_region(VILLAGE_A1).total_days == 15  # defaults, nothing stored
    ProcedureSettings.objects.create(region_code="", total_days=20)
    ProcedureSettings.objects.create(region_code=TOWNSHIP_A, total_days=10, day_kind="working")
    assert ProcedureSettings.for_region(VILLAGE_A1).total_days == 10
    assert ProcedureSettings.for_region("433122104201").total_days == 20
