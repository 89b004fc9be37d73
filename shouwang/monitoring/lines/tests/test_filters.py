"""The monitoring line list's one filter (the API's): year and region code, as before."""

from __future__ import annotations

from decimal import Decimal

from conftest import COUNTY, ListRows
from shouwang.monitoring.lines.services import lines_for
from shouwang.monitoring.models import MonitoringLine

PREFECTURE = COUNTY[:4]  # lines are kept at the county or above (the column holds six digits)


def test_the_line_api_filters_by_year_and_region(client, personas):
    for year, code in ((2023, COUNTY), (2024, COUNTY), (2024, PREFECTURE)):
        MonitoringLine.objects.create(year=year, region_code=code, amount=Decimal("7000"))
    rows, carol = ListRows(client), personas["carol"]

    def expected(**conditions) -> list[int]:
        return sorted(lines_for(carol).filter(**conditions).values_list("id", flat=True))

    for params in ({"year": 2024}, {"region_code": PREFECTURE}, {"year": 2023, "region_code": COUNTY}):
        listed = rows.api(carol, "/api/lines/", params, key="id")
        assert listed == expected(**params) and listed, params
