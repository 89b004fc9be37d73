"""The public report page's village picker names each village with its township."""

from __future__ import annotations

from conftest import TOWNSHIP_B, VILLAGE_B1
from shouwang.monitoring.selfreport.forms import SelfReportForm
from shouwang.regions.models import Region


def test_each_village_option_reads_township_and_village(regions):
    groups = dict(SelfReportForm().fields["village"].choices[1:])
    township, village = (Region.objects.get(code=code).name for code in (TOWNSHIP_B, VILLAGE_B1))
    assert dict(groups[township])[VILLAGE_B1] == f"{township} · {village}"
