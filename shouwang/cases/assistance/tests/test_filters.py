"""The assistance measures' one filter (the export's): village, status and case."""

from __future__ import annotations

import pytest

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import CaseStatus, MeasureStatus
from shouwang.cases.tests.factories import make_case, make_measure
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


def test_the_measures_export_filters_by_village_status_and_case(list_rows, personas):
    cases = {}
    for village, number in ((VILLAGE_A1, "M-A1"), (VILLAGE_A2, "M-A2"), (VILLAGE_B1, "M-B1")):
        cases[number] = make_case(make_household(village, number, wage="6000"), status=CaseStatus.MONITORED)
    make_measure(cases["M-A1"])
    make_measure(cases["M-A1"], status=MeasureStatus.DONE)
    make_measure(cases["M-A2"], status=MeasureStatus.DONE)
    make_measure(cases["M-B1"])
    carol = personas["carol"]

    def exported(**params) -> list[str]:
        return list_rows.export(carol, "measures", params, column="户编号")

    assert exported() == ["M-A1", "M-A1", "M-A2"]
    assert exported(village=VILLAGE_A2) == ["M-A2"]
    assert exported(status="done") == ["M-A1", "M-A2"]
    assert exported(case=cases["M-A1"].pk, status="active") == ["M-A1"]
    assert exported(case=cases["M-B1"].pk) == [] and exported(village=VILLAGE_B1) == []
    assert exported(case="not-a-number") == [] and exported(status="unknown") == []
