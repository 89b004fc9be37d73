"""The monitoring line: shipped figures, most-specific resolution, and edits with history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import VILLAGE_A1
from shouwang.core.anchors import verify_chain
from shouwang.core.models import ChangeLog
from shouwang.monitoring.lines.services import line_history, save_line
from shouwang.monitoring.models import MonitoringLine, Signal
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household
from shouwang.regions.models import Region


def test_only_the_confirmed_lines_ship(db):
    shipped = {(line.year, line.region_code): line.amount for line in MonitoringLine.objects.all()}
    assert shipped == {(2021, ""): Decimal("6000.00"), (2023, "43"): Decimal("7500.00")}
    hunan = MonitoringLine.objects.get(year=2023, region_code="43")
    assert "7500" in hunan.basis and "S06" in hunan.source


def _line(year: int, code: str, amount: str) -> MonitoringLine:
    return MonitoringLine.objects.create(year=year, region_code=code, amount=Decimal(amount))


def test_most_specific_line_wins(db):
    _line(2023, "4331", "7800")
    _line(2023, "433122", "8000")
    _line(2023, "", "7100")
    assert MonitoringLine.objects.for_region(2023, "433122102201").amount == Decimal("8000")  # county
    assert MonitoringLine.objects.for_region(2023, "433101001001").amount == Decimal("7800")  # prefecture
    assert MonitoringLine.objects.for_region(2023, "430102001001").amount == Decimal("7500")  # province
    assert MonitoringLine.objects.for_region(2023, "420102001001").amount == Decimal("7100")  # national
    assert MonitoringLine.objects.for_region(2021, "433122102201").amount == Decimal("6000")
    assert MonitoringLine.objects.for_region(2024, "433122102201") is None


def _village(code: str) -> str:
    Region.objects.get_or_create(code=code, defaults={"name": f"村{code[-3:]}", "level": "village",
                                                       "parent_code": code[:9]})
    return code


def test_screening_uses_each_households_own_line(regions):
    """County 8,000 overrides prefecture 7,800, which overrides Hunan's 7,500; Hubei has none."""
    _line(2023, "4331", "7800")
    _line(2023, "433122", "8000")
    household(VILLAGE_A1, number="luxi_7900", wage="7900")
    household(_village("433101001001"), number="prefecture_7700", wage="7700")
    household(_village("433101001002"), number="prefecture_7800", wage="7800")
    household(_village("430102001001"), number="changsha_7499", wage="7499")
    household(_village("430102001002"), number="changsha_7700", wage="7700")
    household(_village("420102001001"), number="hubei_1000", wage="1000", dropout=True)
    result = screen(year=2023)
    fired = {}
    for number, code in Signal.objects.values_list("household__number", "rule__code"):
        fired.setdefault(number, set()).add(code)
    below = {"INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE"}
    assert fired == {"luxi_7900": below, "prefecture_7700": below, "changsha_7499": below, "hubei_1000": {"DROPOUT"}}
    assert any("applies to 1 household in 2023" in note and "INCOME_BELOW_LINE" in note for note in result.notes)


def test_year_without_a_line_fires_no_line_rule_and_says_so(regions):
    household(VILLAGE_A1, number="poor_2024", year=2024, wage="100", dropout=True)
    result = screen(year=2024)
    assert list(Signal.objects.values_list("rule__code", flat=True)) == ["DROPOUT"]
    assert len(result.notes) == 1
    assert "No monitoring line is set for 2024" in result.notes[0]
    assert "INCOME_BELOW_LINE" in result.notes[0] and "INCOME_DROP" in result.notes[0]


def test_administrator_sets_a_county_line_with_history(personas):
    frank = personas["frank"]
    line = save_line(MonitoringLine(year=2024, region_code="433122", amount=Decimal("8000"), basis="县定"), frank)
    line.amount = Decimal("8200")
    save_line(line, frank)
    history = list(line_history(line))
    assert [h.action for h in history] == ["update", "create"]
    assert history[0].before["amount"] == "8000.00" and history[0].after["amount"] == "8200.00"
    assert history[0].username == "frank"
    assert MonitoringLine.objects.get(pk=line.pk).changed_by == frank
    assert verify_chain(ChangeLog) == (2, [])


def test_only_the_administrator_edits_lines(personas):
    for name in ("alice", "carol", "erin", "grace", "heidi", "ivan"):
        with pytest.raises(PermissionDenied):
            save_line(MonitoringLine(year=2024, region_code="433122", amount=Decimal("8000")), personas[name])
    with pytest.raises(PermissionDenied):  # another county's line
        save_line(MonitoringLine(year=2024, region_code="430102", amount=Decimal("8000")), personas["frank"])
    assert not MonitoringLine.objects.filter(year=2024).exists()


@pytest.mark.parametrize("code, amount", [("433122102", "8000"), ("4x", "8000"), ("433122", "0")])
def test_line_region_must_be_national_province_prefecture_or_county(personas, code, amount):
    with pytest.raises(ValidationError):
        save_line(MonitoringLine(year=2024, region_code=code, amount=Decimal(amount)), personas["frank"])


def test_one_line_per_year_and_region(personas):
    with pytest.raises(ValidationError):
        save_line(MonitoringLine(year=2023, region_code="43", amount=Decimal("9000")), personas["frank"])
