"""The median, the relative lines and the FGT indices against a hand computation on a hand-made registry.

The reference below expands every household into its members (one income per person) and computes
the median and P0, P1, P2 person by person, in Python, with the conventions of the module
(strictly below the line is poor, a negative income counts as zero, the median of an even number
of people is the mean of the two middle values). A few of its values are also written out by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2
from shouwang.core.models import ChangeLog
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.revitalization.relative import services
from shouwang.revitalization.relative.models import RelativeLineShares

from .relative_registry import REGISTRY, YEAR, add

TOL = 1e-9


@pytest.fixture
def registry(regions):
    for row in REGISTRY:
        add(*row)
    # A household-year without members has no per-capita income: it is left out.
    add(VILLAGE_A1, 0, "5000")
    MonitoringLine.objects.create(year=YEAR, region_code=COUNTY, amount=Decimal("6000"))
    return REGISTRY


# --- the reference -----------------------------------------------------------------------------------


def people(prefix: str) -> list[Decimal]:
    """Each person's per-capita income in the region (a household repeated for its members)."""
    incomes = []
    for village, members, wage, costs in REGISTRY:
        if village.startswith(prefix):
            incomes += [((Decimal(wage) - Decimal(costs)) / members).quantize(Decimal("0.01"))] * members
    return incomes


def median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def fgt(values: list[Decimal], z: Decimal) -> tuple[float, float, float]:
    gaps = [float((z - max(y, Decimal(0))) / z) for y in values if y < z]
    n = len(values)
    return len(gaps) / n, sum(gaps) / n, sum(g * g for g in gaps) / n


def assert_indices(poverty: services.Poverty, expected: tuple[float, float, float]) -> None:
    assert poverty.p0 == pytest.approx(expected[0], abs=TOL)
    assert poverty.p1 == pytest.approx(expected[1], abs=TOL)
    assert poverty.p2 == pytest.approx(expected[2], abs=TOL)


# --- tests ---------------------------------------------------------------------------------------------


def test_the_reference_itself_by_hand(registry):
    a1 = people(VILLAGE_A1)
    assert len(a1) == 10
    # Poor against 6000: 1 person at 0, 2 at −2000 (gap 1 each), 4 at 3000 (gap 0.5); 3 at 6000 are not.
    assert fgt(a1, Decimal("6000")) == pytest.approx((7 / 10, (1 + 2 + 4 * 0.5) / 10, (1 + 2 + 4 * 0.25) / 10))
    # 21 people in the county; the 11th income in order is 6000.
    assert median(people(COUNTY)) == Decimal("6000")


def test_indices_against_the_monitoring_line_per_county_township_and_village(registry):
    result = services.figures(YEAR, COUNTY)
    z = Decimal("6000")
    assert [line.key for line in result.lines] == ["monitoring", "relative_40", "relative_50"]
    assert result.region.people == 21 and result.region.households == 8
    assert_indices(result.region.poverty["monitoring"], fgt(people(COUNTY), z))
    # By hand: poor are 1 (0), 2 (−2000), 4 (3000), 2 (5999.99), 1 (2500.50) of 21 people.
    assert result.region.poverty["monitoring"].poor_people == 10
    assert result.region.poverty["monitoring"].poor_households == 5
    g_a2 = 0.01 / 6000
    g_b1 = 3499.50 / 6000
    assert result.region.poverty["monitoring"].p1 == pytest.approx((3 + 4 * 0.5 + 2 * g_a2 + g_b1) / 21, abs=TOL)
    assert result.region.poverty["monitoring"].p2 == pytest.approx(
        (3 + 4 * 0.25 + 2 * g_a2 ** 2 + g_b1 ** 2) / 21, abs=TOL)
    parts = {part.code: part for part in result.parts}
    assert set(parts) == {TOWNSHIP_A, TOWNSHIP_B} | (set(parts) - {TOWNSHIP_A, TOWNSHIP_B})
    assert_indices(parts[TOWNSHIP_A].poverty["monitoring"], fgt(people(TOWNSHIP_A), z))
    assert_indices(parts[TOWNSHIP_B].poverty["monitoring"], fgt(people(TOWNSHIP_B), z))

    township = services.figures(YEAR, TOWNSHIP_A)
    villages = {part.code: part for part in township.parts}
    assert_indices(township.region.poverty["monitoring"], fgt(people(TOWNSHIP_A), z))
    for village in (VILLAGE_A1, VILLAGE_A2):
        assert_indices(villages[village].poverty["monitoring"], fgt(people(village), z))
        assert villages[village].people == len(people(village))
    assert villages[VILLAGE_A1].poverty["monitoring"].poor_households == 3

    village = services.figures(YEAR, VILLAGE_B1)
    assert village.parts == []
    assert_indices(village.region.poverty["monitoring"], fgt(people(VILLAGE_B1), z))


def test_relative_lines_are_the_default_shares_of_the_county_median(registry):
    result = services.figures(YEAR, COUNTY)
    assert result.county_median == Decimal("6000")
    assert not result.shares_set and result.shares == [40, 50]
    amounts = {line.key: line.amount for line in result.lines}
    assert amounts == {"monitoring": Decimal("6000"), "relative_40": Decimal("2400.00"),
                       "relative_50": Decimal("3000.00")}
    # Against 3000 the household of four at exactly 3000 is not poor: 1 (0) + 2 (−2000) + 1 (2500.50).
    fifty = result.region.poverty["relative_50"]
    assert fifty.poor_people == 4
    assert_indices(fifty, fgt(people(COUNTY), Decimal("3000")))
    assert fifty.p1 == pytest.approx((3 + 499.5 / 3000) / 21, abs=TOL)
    assert_indices(result.region.poverty["relative_40"], fgt(people(COUNTY), Decimal("2400")))
    # Townships and villages are measured against the county's lines, each with its own median beside.
    township = services.figures(YEAR, TOWNSHIP_B)
    assert township.county_median == Decimal("6000")
    assert township.region.median == median(people(TOWNSHIP_B)) == Decimal("20000")
    assert_indices(township.region.poverty["relative_50"], fgt(people(TOWNSHIP_B), Decimal("3000")))
    villages = {part.code: part for part in services.figures(YEAR, TOWNSHIP_A).parts}
    assert villages[VILLAGE_A1].median == median(people(VILLAGE_A1)) == Decimal("3000")
    assert villages[VILLAGE_A2].median == Decimal("10000")


def test_a_county_set_share(registry, personas):
    services.save_shares(personas["erin"], COUNTY, YEAR, [60, 40], note="县乡村振兴局 2024 年决定")
    result = services.figures(YEAR, VILLAGE_A1)
    assert result.shares_set and result.shares == [40, 60]
    assert {line.key: line.amount for line in result.lines} == {
        "monitoring": Decimal("6000"), "relative_40": Decimal("2400.00"), "relative_60": Decimal("3600.00")}
    assert_indices(result.region.poverty["relative_60"], fgt(people(VILLAGE_A1), Decimal("3600")))
    assert result.region.poverty["relative_60"].poor_people == 7
    entry = ChangeLog.objects.get(object_type="revitalization.relativelineshares")
    assert entry.before == {"shares": [40, 50]} and entry.after["shares"] == [40, 60]
    # Another year keeps the default.
    assert services.shares_for(COUNTY, YEAR + 1) == ([40, 50], None)


def test_only_the_county_officers_set_the_shares(registry, personas):
    for name in ("frank", "carol", "alice", "grace", "heidi", "ivan"):
        with pytest.raises(PermissionDenied):
            services.save_shares(personas[name], COUNTY, YEAR, [45])
    with pytest.raises(PermissionDenied):  # not a county
        services.save_shares(personas["erin"], TOWNSHIP_A, YEAR, [45])
    with pytest.raises(PermissionDenied):  # another county
        services.save_shares(personas["erin"], "433199", YEAR, [45])
    for bad in ([], [0], [101], ["x"], [10, 20, 30, 40, 50, 60]):
        with pytest.raises(ValidationError):
            services.save_shares(personas["erin"], COUNTY, YEAR, bad)
    assert not RelativeLineShares.objects.exists()


def test_a_year_without_a_monitoring_line_has_only_the_relative_lines(registry):
    add(VILLAGE_B2, 2, "8000", year=YEAR + 1)
    result = services.figures(YEAR + 1, COUNTY)
    assert result.monitoring_line_missing
    assert [line.key for line in result.lines] == ["relative_40", "relative_50"]
    assert result.county_median == Decimal("4000")
    assert result.region.poverty["relative_50"].poor_people == 0


def test_the_median_odd_even_and_weighted(regions):
    year = 2030
    # Odd number of people: the middle one (weighted: 3 people at 1000 hold positions 1–3 of 5).
    add(VILLAGE_A1, 3, "3000", year=year)
    add(VILLAGE_A1, 2, "10000", year=year)
    assert services.median_of(year, VILLAGE_A1) == Decimal("1000")  # by households it would be 3000
    # Even, the two middle values differ: the mean of them (1000 and 5001 → 3000.50).
    add(VILLAGE_A2, 2, "2000", year=year)
    add(VILLAGE_A2, 2, "10002", year=year)
    assert services.median_of(year, VILLAGE_A2) == Decimal("3000.50")
    # Even, the two middle values in one household: that value.
    add(VILLAGE_B1, 1, "1000", year=year)
    add(VILLAGE_B1, 3, "6000", year=year)
    assert services.median_of(year, VILLAGE_B1) == Decimal("2000")
    # One person; two households of one person each.
    add(VILLAGE_B2, 1, "777.77", year=year)
    assert services.median_of(year, VILLAGE_B2) == Decimal("777.77")
    add(VILLAGE_B2, 1, "-100", year=year)
    assert services.median_of(year, VILLAGE_B2) == (Decimal("777.77") + Decimal("-100")) / 2
    # Every level in one query each, the same answers as the reference.
    rows = services._rows(year, COUNTY)
    by_village = services.weighted_medians(rows, 12)
    assert by_village == {VILLAGE_A1: Decimal("1000"), VILLAGE_A2: Decimal("3000.50"), VILLAGE_B1: Decimal("2000"),
                          VILLAGE_B2: Decimal("338.885")}
    everyone = sorted([Decimal(1000)] * 3 + [Decimal(5000)] * 2 + [Decimal(1000)] * 2 + [Decimal("5001")] * 2
                      + [Decimal(1000)] + [Decimal(2000)] * 3 + [Decimal("777.77"), Decimal(-100)])
    assert services.median_of(year, COUNTY) == median(everyone) == Decimal(1000)
    assert services.weighted_medians(rows, 9) == {
        TOWNSHIP_A: median([Decimal(1000)] * 5 + [Decimal(5000)] * 2 + [Decimal("5001")] * 2),
        TOWNSHIP_B: median([Decimal(1000), Decimal(2000), Decimal(2000), Decimal(2000), Decimal("777.77"),
                            Decimal(-100)]),
    }
    assert services.median_of(year + 1, COUNTY) is None


def test_the_trend_lists_each_year_side_by_side(registry):
    add(VILLAGE_A1, 2, "20000", year=YEAR + 1)
    add(VILLAGE_B1, 1, "1000", year=YEAR + 1)
    MonitoringLine.objects.create(year=YEAR + 1, region_code=COUNTY, amount=Decimal("7000"))
    years = services.trend(COUNTY)
    assert [item.year for item in years] == [YEAR, YEAR + 1]
    later = years[1]
    assert later.county_median == Decimal("10000")  # 1000, 10000, 10000
    assert later.region.poverty["monitoring"].p0 == pytest.approx(1 / 3, abs=TOL)
    assert later.region.poverty["relative_50"].p1 == pytest.approx((5000 - 1000) / 5000 / 3, abs=TOL)
    keys = services.line_keys(years)
    assert [key for key, _label in keys] == ["monitoring", "relative_40", "relative_50"]
    chart = services.chart_specs(services.figures(YEAR, COUNTY), years, {})
    assert chart["trend"]["categories"] == [str(YEAR), str(YEAR + 1)]
    assert chart["trend"]["series"][0]["data"] == [round(10 / 21 * 100, 2), round(100 / 3, 2)]
