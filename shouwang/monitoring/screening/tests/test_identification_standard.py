"""The county's identification standard of a year decides the rules screening runs for that year only."""

from __future__ import annotations

import pytest

from conftest import COUNTY, VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.monitoring.models import IdentificationStandard, Rule, Signal
from shouwang.monitoring.rules.standards import rules_for_year, set_standard
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(regions):
    """Only two rules: LOW (active, income under 5,000) and DROPOUT (inactive, a dropout child)."""
    Rule.objects.update(active=False)
    low = Rule.objects.create(code="T_LOW", name_zh="低收入", name_en="Low", expression="per_capita_income < 5000")
    dropout = Rule.objects.create(code="T_DROPOUT", name_zh="辍学", name_en="Dropout", expression="dropout",
                                  active=False)
    return {"low": low, "dropout": dropout}


def fired(year: int) -> set[tuple[str, str]]:
    return {(s.household.number, s.rule.code) for s in Signal.objects.filter(year=year).select_related(
        "household", "rule")}


def test_without_a_standard_screening_runs_the_active_rules_as_before(rules):
    h = household(VILLAGE_A1, wage="4000", dropout=True, year=2025, number="H-POOR")
    assert [r.code for r in rules_for_year(2025)[0]] == ["T_LOW"]
    result = screen(year=2025)
    assert result.per_rule == {"T_LOW": 1}
    assert fired(2025) == {(h.number, "T_LOW")}


def test_a_standard_of_2026_is_used_for_2026_only(rules):
    set_standard(COUNTY, 2026, [rules["dropout"].pk], note="县定认定标准")
    a25 = household(VILLAGE_A1, wage="4000", dropout=True, year=2025, number="H-2025")
    a26 = household(VILLAGE_A1, wage="4000", dropout=True, year=2026, number="H-2026")
    assert screen(year=2025).per_rule == {"T_LOW": 1}  # 2025 has no standard: the active rules
    result = screen(year=2026)
    # 2026: the standard's rules, active or not; T_LOW still runs outside the county (no household there).
    assert result.per_rule == {"T_DROPOUT": 1, "T_LOW": 0}
    assert screen(year=2026, region=COUNTY).per_rule == {"T_DROPOUT": 1}  # inside the county: exactly the standard
    assert any("identification standard" in note for note in result.notes)
    assert fired(2025) == {(a25.number, "T_LOW")}
    assert fired(2026) == {(a26.number, "T_DROPOUT")}
    assert ChangeLog.objects.filter(object_type="monitoring.identificationstandard").count() == 1


def test_a_wider_run_applies_each_countys_standard_in_that_county_only(rules, regions):
    from shouwang.regions.models import Region

    # A second county in the deployment, without a standard.
    Region.objects.create(code="433123", name="另一县", level="county", parent_code="4331")
    Region.objects.create(code="433123100", name="某镇", level="township", parent_code="433123")
    Region.objects.create(code="433123100201", name="某村", level="village", parent_code="433123100")
    set_standard(COUNTY, 2026, [rules["dropout"].pk])
    inside = household(VILLAGE_B1, wage="4000", dropout=True, year=2026, number="H-IN")
    outside = household("433123100201", wage="4000", dropout=True, year=2026, number="H-OUT")
    screen(year=2026)  # the whole deployment
    assert fired(2026) == {(inside.number, "T_DROPOUT"), (outside.number, "T_LOW")}


def test_removing_the_standard_restores_the_active_rules(rules):
    set_standard(COUNTY, 2026, [rules["dropout"].pk])
    assert set_standard(COUNTY, 2026, []) is None
    assert not IdentificationStandard.objects.exists()
    assert [r.code for r in rules_for_year(2026, COUNTY)[0]] == ["T_LOW"]
