"""The refresh counts each figure right, against the hand-made registry of ``dashboard_registry``."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import CaseStatus, Measure, MeasureStatus, MeasureType
from shouwang.supervision.dashboards.aggregates import compute
from shouwang.supervision.dashboards.services import refresh
from shouwang.supervision.models import DashboardRefresh, Figure

from .dashboard_registry import TODAY, build

pytestmark = pytest.mark.django_db


def figures(village: str, month: date | None = None) -> dict[tuple[str, str], int]:
    rows = (
        Figure.objects.filter(region_code=village, month=month)
        if month
        else Figure.objects.filter(region_code=village, month__isnull=True)
    )
    return {(f.metric, f.key): f.value for f in rows}


def metric(village: str, name: str, month: date | None = None) -> dict[str, int]:
    return {key: value for (m, key), value in figures(village, month).items() if m == name}


@pytest.fixture
def registry(regions):
    built = build()
    refresh(today=TODAY)
    return built


def test_registry_totals_per_village(registry):
    # Six households with incomes in A1 plus one per warning (five), each of one member.
    assert metric(VILLAGE_A1, "households") == {"": 11}
    assert metric(VILLAGE_A1, "members") == {"": 11}
    assert metric(VILLAGE_A1, "households_ex_poor") == {"": 1}
    assert metric(VILLAGE_A2, "households") == {"": 2}
    assert metric(VILLAGE_A2, "members") == {"": 3}
    assert metric(VILLAGE_B1, "households") == {"": 4}


def test_households_by_case_status_count_each_household_by_its_latest_case(registry):
    assert metric(VILLAGE_A1, "case_status") == {
        "monitored": 2,
        "eliminating": 1,
        "identifying": 1,
        "eliminated": 1,
    }
    assert metric(VILLAGE_A2, "case_status") == {"rejected": 1}
    # A household re-identified after elimination counts once, under its new case.
    household = registry.cases["eliminated"].household
    from .dashboard_registry import make_case

    make_case(household, CaseStatus.IDENTIFYING, "edge", ["YB"], clue=date(2024, 6, 10))
    refresh([VILLAGE_A1], today=TODAY)
    assert metric(VILLAGE_A1, "case_status") == {"monitored": 2, "eliminating": 1, "identifying": 2}


def test_monitored_households_by_category_are_the_identified_ones_not_yet_cleared(registry):
    assert metric(VILLAGE_A1, "monitored_category") == {"edge": 1, "unstable_ex_poor": 1, "sudden": 1}
    assert metric(VILLAGE_A2, "monitored_category") == {}
    assert metric(VILLAGE_B1, "monitored_category") == {"sudden": 1}


def test_risk_types_count_disaster_sub_items_once_under_natural_disaster(registry):
    assert metric(VILLAGE_A1, "monitored_risk") == {"YB": 2, "YX": 1, "YZRZH": 1}
    assert metric(VILLAGE_B1, "monitored_risk") == {"YC": 1}


def test_measure_contact_and_development_shares(registry):
    a1 = figures(VILLAGE_A1)
    # edge: active industry; disaster: a health measure only planned; eliminating: one stopped.
    assert a1[("monitored_with_measure", "")] == 1
    # edge: current; disaster: ended on 31 May; eliminating: open-ended.
    assert a1[("monitored_with_contact", "")] == 2
    # the eliminating household has no member able to work.
    assert a1[("monitored_with_labour", "")] == 2
    # with labour and an industry or employment measure: only the edge household.
    assert a1[("monitored_labour_dev", "")] == 1
    # A development measure for the disaster household raises it to both.
    Measure.objects.create(
        case=registry.cases["disaster"],
        measure_type=MeasureType.objects.get(code="employment"),
        status=MeasureStatus.ACTIVE,
    )
    refresh([VILLAGE_A1], today=TODAY)
    assert figures(VILLAGE_A1)[("monitored_labour_dev", "")] == 2


def test_warnings_by_channel_and_status_and_overdue(registry):
    assert metric(VILLAGE_A1, "warnings") == {
        "rule:new": 2,
        "feed:verifying": 1,
        "self_report:dismissed": 1,
        "visit:escalated": 1,
    }
    # Overdue: still open after the date to verify (closed ones never are).
    assert metric(VILLAGE_A1, "overdue_warnings") == {"rule": 1, "feed": 1}
    assert metric(VILLAGE_A2, "overdue_warnings") == {}
    assert metric(VILLAGE_B1, "overdue_warnings") == {"visit": 3}


def test_open_and_overdue_steps_by_level(registry):
    assert metric(VILLAGE_A1, "open_steps") == {"village": 1, "township": 1}
    # The township step is due today: not late yet.
    assert metric(VILLAGE_A1, "overdue_steps") == {"village": 1}
    assert metric(VILLAGE_B1, "overdue_steps") == {"county": 1}
    # A day later it is.
    refresh(today=date(2024, 6, 16))
    assert metric(VILLAGE_A1, "overdue_steps") == {"village": 1, "township": 1}


def test_income_bands_at_their_edges(registry):
    # Line 10,000: 7,999.99 < 0.8 ×; 8,000 is 0.8–1; exactly the line and 11,999.99 are 1–1.2;
    # 12,000 is 1.2–1.5; 15,000 is ≥ 1.5.
    assert metric(VILLAGE_A1, "income_band") == {
        "lt080": 1,
        "080_100": 1,
        "100_120": 2,
        "120_150": 1,
        "ge150": 1,
    }
    assert metric(VILLAGE_A1, "income_band_monitored") == {"lt080": 1, "080_100": 1, "100_120": 1}
    assert metric(VILLAGE_A2, "income_band") == {"ge150": 1}
    assert metric(VILLAGE_B1, "income_band") == {"lt080": 1}
    assert DashboardRefresh.objects.latest("started_at").income_year == 2023


def test_monthly_figures(registry):
    assert metric(VILLAGE_A1, "cases_opened", date(2024, 3, 1)) == {"": 2}
    assert metric(VILLAGE_A1, "cases_opened", date(2024, 6, 1)) == {"": 1}
    assert metric(VILLAGE_A1, "identified", date(2024, 4, 1)) == {"unstable_ex_poor": 1, "sudden": 1}
    assert metric(VILLAGE_A1, "identified", date(2024, 1, 1)) == {"edge": 1}
    assert metric(VILLAGE_A1, "eliminated", date(2024, 5, 1)) == {"natural": 1}
    assert metric(VILLAGE_A1, "warnings_new", date(2024, 6, 1)) == {"rule": 2, "visit": 1}
    assert metric(VILLAGE_A1, "warnings_new", date(2024, 5, 1)) == {"feed": 1, "self_report": 1}
    assert metric(VILLAGE_B1, "warnings_new", date(2024, 6, 1)) == {"visit": 3}


def test_refreshing_some_villages_leaves_the_others_alone(registry):
    b1_before = figures(VILLAGE_B1)
    Measure.objects.filter(case__region_code=VILLAGE_B1).delete()
    refresh([VILLAGE_A1], today=TODAY)
    assert figures(VILLAGE_B1) == b1_before
    refresh([VILLAGE_B1], today=TODAY)
    assert ("monitored_with_measure", "") not in figures(VILLAGE_B1)


def test_the_refresh_is_a_few_grouped_queries_whatever_the_size(registry, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        counts = compute(today=TODAY)
    assert counts.values


def test_refresh_command(registry, capsys):
    from django.core.management import call_command

    Figure.objects.all().delete()
    call_command("refresh_dashboards", "--region", VILLAGE_A1[:9])
    assert Figure.objects.filter(region_code=VILLAGE_A1).exists()
    assert not Figure.objects.filter(region_code=VILLAGE_B1).exists()
    call_command("refresh_dashboards")
    assert Figure.objects.filter(region_code=VILLAGE_B1).exists()


def test_townships_and_the_county_hold_the_sums_of_their_villages(registry):
    from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B

    assert metric(TOWNSHIP_A, "households") == {"": 13}  # A1 11 + A2 2
    assert metric(TOWNSHIP_A, "monitored_category") == {"edge": 1, "unstable_ex_poor": 1, "sudden": 1}
    assert metric(TOWNSHIP_B, "overdue_steps") == {"county": 1}
    assert metric(COUNTY, "households") == {"": 17}
    assert metric(COUNTY, "warnings_new", date(2024, 6, 1)) == {"rule": 2, "visit": 4, "feed": 1}
    # A recount of one village recounts its township and county, not the other township.
    Measure.objects.create(
        case=registry.cases["disaster"],
        measure_type=MeasureType.objects.get(code="employment"),
        status=MeasureStatus.ACTIVE,
    )
    b_before = figures(TOWNSHIP_B)
    refresh([VILLAGE_A1], today=TODAY)
    assert figures(TOWNSHIP_A)[("monitored_labour_dev", "")] == 2
    assert figures(COUNTY)[("monitored_labour_dev", "")] == 3
    assert figures(TOWNSHIP_B) == b_before
    assert Figure.objects.filter(region_code=TOWNSHIP_A, month__isnull=True, metric="households").count() == 1


def test_a_household_flagged_without_labour_has_no_labour_whatever_its_members(registry):
    from shouwang.registry.models import Household

    Household.objects.filter(pk=registry.cases["edge"].household_id).update(no_labour=True)
    refresh([VILLAGE_A1], today=TODAY)
    a1 = figures(VILLAGE_A1)
    assert a1[("monitored_with_labour", "")] == 1  # the disaster household only
    assert ("monitored_labour_dev", "") not in a1
