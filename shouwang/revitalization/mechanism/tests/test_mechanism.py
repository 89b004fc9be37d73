"""The ex-poor label's exit: candidates exact on a twin pair, the county's settings, decisions with history,
the pages and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import COUNTY, VILLAGE_A1, VILLAGE_B1
from shouwang.cases.casefiles.models import CaseStatus
from shouwang.cases.tests.factories import make_case
from shouwang.core.models import ChangeLog
from shouwang.monitoring.lines.terms import term_in_force
from shouwang.monitoring.models import IdentificationStandard, MonitoringLine, Rule, Warning
from shouwang.registry.models import Household, HouseholdType, HouseholdYear, LayerKind, LowIncomeLayer
from shouwang.registry.tests.factories import make_household
from shouwang.revitalization.mechanism import services
from shouwang.revitalization.mechanism.models import ExitSettings, LabelExit

pytestmark = pytest.mark.django_db
LINES = {2024: "7000", 2025: "7200", 2026: "7400"}  # × 1.5: 10,500 · 10,800 · 11,100


@pytest.fixture
def lines(regions):
    for year, amount in LINES.items():
        MonitoringLine.objects.update_or_create(year=year, region_code=COUNTY, defaults={"amount": amount})


def ex_poor(number: str, incomes: dict[int, str], village: str = VILLAGE_A1) -> Household:
    """A one-person ex-poor household with the given per-capita income per year."""
    h = make_household(village, number, members=1, year=None, household_type=HouseholdType.EX_POOR)
    for year, income in incomes.items():
        HouseholdYear.objects.create(household=h, year=year, member_count=1, wage_income=Decimal(income))
    return h


GOOD = {2024: "10500", 2025: "12000", 2026: "11100"}  # each year at least 1.5 × the line (ties included)


@pytest.fixture
def twins(lines):
    found = {
        "meets": ex_poor("T-MEETS", GOOD),
        "low_2025": ex_poor("T-LOW", {**GOOD, 2025: "10799.99"}),  # one cent under 1.5 × 7200 in 2025
        "no_2024": ex_poor("T-GAP", {2025: "12000", 2026: "12000"}),  # no 2024 record
        "open_case": ex_poor("T-CASE", GOOD),
        "open_warning": ex_poor("T-WARN", GOOD),
        "ordinary": make_household(VILLAGE_A1, "T-ORD", members=1, wage="50000", year=2026),
        "other_village": ex_poor("T-B1", GOOD, village=VILLAGE_B1),
    }
    make_case(found["open_case"], status=CaseStatus.MONITORED)
    Warning.objects.create(household=found["open_warning"], year=2026)
    return found


def candidates(user_or_qs=None, year=2026, county=COUNTY):
    conditions = services.exit_conditions(county, year)
    qs = user_or_qs if user_or_qs is not None else Household.objects.all()
    return {h.number for h in services.exit_candidates(qs, conditions)}


def test_the_candidate_list_is_exact_on_twins_that_miss_one_condition_each(twins):
    assert candidates() == {"T-MEETS", "T-B1"}
    conditions = services.exit_conditions(COUNTY, 2026)
    assert conditions.is_default and conditions.years == [2024, 2025, 2026]
    assert conditions.thresholds == {2024: Decimal("10500.00"), 2025: Decimal("10800.00"), 2026: Decimal("11100.00")}
    values = services.candidate_values([twins["meets"], twins["low_2025"], twins["open_case"]], conditions)
    assert values[twins["meets"].pk]["income_holds"] is True
    assert values[twins["meets"].pk]["years"][0] == {"year": 2024, "per_capita": "10500.00", "threshold": "10500.00",
                                                     "holds": True}
    assert values[twins["low_2025"].pk]["income_holds"] is False
    assert values[twins["low_2025"].pk]["years"][1]["holds"] is False
    assert values[twins["open_case"].pk]["open_case"] is True


def test_the_countys_settings_decide(twins):
    ExitSettings.objects.create(region_code=COUNTY, year=2026, income_multiple=Decimal("1.4"), consecutive_years=2,
                                require_no_open_case=False, require_no_open_warning=True)
    # 2025 and 2026 at ≥ 1.4 × the line; an open case no longer matters (an open warning still does);
    # 2024 is not looked at.
    assert candidates() == {"T-MEETS", "T-LOW", "T-GAP", "T-CASE", "T-B1"}
    assert not services.exit_conditions(COUNTY, 2026).is_default
    assert candidates(year=2025) == set()  # 2025: defaults, three years back to 2023, which has no county line


def test_a_year_without_a_line_gives_no_candidate(twins):
    MonitoringLine.objects.filter(year=2024).delete()
    conditions = services.exit_conditions(COUNTY, 2026)
    assert conditions.missing_lines == [2024]
    assert candidates() == set()


def test_a_decision_is_recorded_with_its_values_and_the_label_history_stays(twins, personas):
    household = twins["meets"]
    entry = services.decide(personas["erin"], household, 2026, "exit", "连续三年收入稳定，经县级研究同意")
    household.refresh_from_db()
    assert household.household_type == HouseholdType.ORDINARY
    assert entry.previous_type == HouseholdType.EX_POOR and entry.decided_by == personas["erin"]
    assert entry.conditions["income_holds"] is True and entry.conditions["settings"]["is_default"] is True
    assert entry.conditions["years"][2]["per_capita"] == "11100.00"
    type_change = ChangeLog.objects.filter(object_type="registry.household", object_id=str(household.pk)).latest("id")
    assert type_change.before["household_type"] == "ex_poor" and type_change.after["household_type"] == "ordinary"
    assert ChangeLog.objects.filter(object_type="revitalization.labelexit", object_id=str(entry.pk)).exists()
    assert "T-MEETS" not in candidates()
    with pytest.raises(ValidationError):  # no longer a candidate: a second decision is refused
        services.decide(personas["erin"], household, 2026, "exit", "again")
    keep = services.decide(personas["erin"], twins["other_village"], 2026, "keep", "家中有大病患者，暂缓退出")
    twins["other_village"].refresh_from_db()
    assert twins["other_village"].household_type == HouseholdType.EX_POOR and keep.decision == "keep"
    assert candidates() == set()  # decided this year
    assert LabelExit.objects.count() == 2


def test_a_household_that_misses_a_condition_cannot_be_decided(twins, personas):
    with pytest.raises(ValidationError):
        services.decide(personas["erin"], twins["low_2025"], 2026, "exit", "理由")
    with pytest.raises(ValidationError):
        services.decide(personas["erin"], twins["meets"], 2026, "exit", "  ")
    assert not LabelExit.objects.exists()


def test_pages_candidates_and_decision_by_a_county_officer(client, twins, personas):
    client.force_login(personas["carol"])  # township A: views its region's candidates, may not decide
    page = client.get(reverse("revitalization:label_exit_candidates"), {"year": 2026})
    assert page.status_code == 200
    assert [h.number for h, _v in page.context["rows"]] == ["T-MEETS"]
    assert "the county&#x27;s settings" in page.content.decode() or "county's settings" in page.content.decode()
    url = reverse("revitalization:label_exit_decide", args=[twins["meets"].pk])
    assert client.post(url, {"year": 2026, "decision": "exit", "reason": "x"}).status_code == 403
    client.force_login(personas["erin"])
    response = client.post(url, {"year": 2026, "decision": "exit", "reason": "连续三年稳定"})
    assert response.status_code == 302
    assert LabelExit.objects.get().household == twins["meets"]
    history = client.get(reverse("revitalization:label_exit_history"))
    assert "连续三年稳定" in history.content.decode()
    household_page = client.get(reverse("registry:household_detail", args=[twins["meets"].pk])).content.decode()
    assert "Ex-poor label: decisions" in household_page and "连续三年稳定" in household_page


def test_the_settings_page_saves_term_standard_and_exit_conditions(client, personas, lines):
    rule = Rule.objects.order_by("code").first()
    client.force_login(personas["carol"])
    index = client.get(reverse("revitalization:mechanism"), {"year": 2026})
    assert index.status_code == 200 and index.context.get("term_form") is None
    assert "防止返贫致贫对象" in index.content.decode()
    assert client.post(reverse("revitalization:mechanism_settings"),
                       {"part": "term", "year": 2026, "term": "x"}).status_code == 403
    client.force_login(personas["erin"])
    settings_url = reverse("revitalization:mechanism_settings")
    client.post(settings_url, {"part": "term", "year": 2026, "term": "防止返贫致贫监测对象", "basis": "县文件"})
    client.post(settings_url, {"part": "standard", "year": 2026, "rules": [rule.pk], "note": "县定"})
    client.post(settings_url, {"part": "exit", "year": 2026, "income_multiple": "1.6", "consecutive_years": 2,
                               "require_no_open_case": "on"})
    assert term_in_force(2026, COUNTY).term == "防止返贫致贫监测对象"
    assert list(IdentificationStandard.objects.get(region_code=COUNTY, year=2026).rules.all()) == [rule]
    row = ExitSettings.objects.get(region_code=COUNTY, year=2026)
    assert (row.income_multiple, row.consecutive_years, row.require_no_open_case, row.require_no_open_warning) == (
        Decimal("1.6"), 2, True, False)
    index = client.get(reverse("revitalization:mechanism"), {"year": 2026})
    assert "set by the county for this year" in index.content.decode()
    assert index.context["term_form"] is not None


def test_the_layer_counts_and_the_apis_are_scoped(client, twins, personas):
    LowIncomeLayer.objects.create(household=twins["meets"], layer=LayerKind.DIBAO, start="2025-01-01",
                                  source="low_income")
    LowIncomeLayer.objects.create(household=twins["other_village"], layer=LayerKind.DIBAO, start="2025-01-01",
                                  source="low_income")
    client.force_login(personas["alice"])  # village A1
    index = client.get(reverse("revitalization:mechanism"), {"year": 2026})
    assert dict(index.context["layer_rows"])[LayerKind.DIBAO.label] == 1
    layers = client.get("/api/revitalization/low-income-layers/", {"layer": "dibao", "current": "yes"}).json()
    rows = layers["results"] if isinstance(layers, dict) and "results" in layers else layers
    assert [row["household_number"] for row in rows] == ["T-MEETS"]
    data = client.get("/api/revitalization/label-exit-candidates/", {"year": 2026}).json()
    assert [row["number"] for row in data["results"]["candidates"]] == ["T-MEETS"]
    assert data["results"]["conditions"]["is_default"] is True
    client.force_login(personas["erin"])
    data = client.get("/api/revitalization/label-exit-candidates/", {"year": 2026}).json()
    assert sorted(row["number"] for row in data["results"]["candidates"]) == ["T-B1", "T-MEETS"]
