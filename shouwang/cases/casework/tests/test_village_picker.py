"""The case list's village picker names each village with its township."""

from __future__ import annotations

from conftest import TOWNSHIP_B, VILLAGE_B1
from shouwang.cases.casework.filters import CaseFilter
from shouwang.cases.models import Case
from shouwang.regions.models import Region


def test_each_village_reads_township_and_village(personas):
    labels = dict(CaseFilter.for_page({}, Case.objects.none(), personas["erin"]).form.fields["village"].choices)
    township, village = (Region.objects.get(code=code).name for code in (TOWNSHIP_B, VILLAGE_B1))
    assert labels[VILLAGE_B1] == f"{township} · {village}"
