"""Each indicator against the hand-computed registry of ``assessment_registry`` (numbers worked out on paper)."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2
from shouwang.supervision.assessment.indicators import INDICATORS, IndicatorValue, Scope

from .assessment_registry import PERIOD, PREVIOUS, at, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(regions):
    return build()


def values(code: str, length: int, period=PERIOD) -> dict[str, tuple]:
    result = INDICATORS[code].compute(Scope(COUNTY, length, *period))
    assert result is not None
    return {area: (v.numerator, v.denominator, v.value) for area, v in result.items()}


def test_indicators_are_declared_once_with_names_direction_unit_and_formula():
    assert list(INDICATORS) == [
        "identification_on_time", "warnings_on_time", "measures_coverage", "development_measures",
        "visits_per_household", "eliminations_consistent", "quality_errors", "returns",
    ]
    for spec in INDICATORS.values():
        assert spec.name_zh and str(spec.name_en) and str(spec.unit)
        assert spec.direction in ("higher", "lower")
        assert len(spec.formula) > 80, spec.code  # the docstring is the formula the page shows
    assert INDICATORS["identification_on_time"].name_zh == "识别纳入及时率"
    assert INDICATORS["returns"].direction == "lower" and INDICATORS["quality_errors"].direction == "lower"


def test_identification_on_time(registry):
    # A1: h2 on time, h3 late (h1 decided in March). A2: h5 on time, h8 open past its due date (the
    # withdrawn one is never judged). B1: h9 on time, h13 rejected on time, h12's new procedure late.
    assert values("identification_on_time", 12) == {
        VILLAGE_A1: (1, 2, 50.0), VILLAGE_A2: (1, 2, 50.0), VILLAGE_B1: (2, 3, 66.7),
    }
    assert values("identification_on_time", 9) == {TOWNSHIP_A: (2, 4, 50.0), TOWNSHIP_B: (2, 3, 66.7)}
    # First quarter: h1 on time (A1), h10 late (B1).
    assert values("identification_on_time", 9, PREVIOUS) == {TOWNSHIP_A: (1, 1, 100.0), TOWNSHIP_B: (0, 1, 0.0)}


def test_warnings_verified_on_time(registry):
    # A1: w1 on time, w2 closed late, w3 still verifying after its date; w4 not yet due; w5 in March.
    assert values("warnings_on_time", 12) == {VILLAGE_A1: (1, 3, 33.3), VILLAGE_A2: (1, 1, 100.0),
                                              VILLAGE_B1: (2, 2, 100.0)}
    assert values("warnings_on_time", 9) == {TOWNSHIP_A: (2, 4, 50.0), TOWNSHIP_B: (2, 2, 100.0)}
    assert values("warnings_on_time", 9, PREVIOUS) == {TOWNSHIP_A: (1, 1, 100.0)}


def test_monitored_households_with_measures(registry):
    # Monitored at 06-30: A1 h1 h2 h3 (h4 eliminated 06-10), A2 h5 h7, B1 h9 h10.
    # h3 has only a planned measure, h7 none.
    assert values("measures_coverage", 12) == {VILLAGE_A1: (2, 3, 66.7), VILLAGE_A2: (1, 2, 50.0),
                                               VILLAGE_B1: (2, 2, 100.0)}
    assert values("measures_coverage", 9) == {TOWNSHIP_A: (3, 5, 60.0), TOWNSHIP_B: (2, 2, 100.0)}
    # At 03-31: A1 h1 h4 (both with measures), A2 h6 h7 (none); B1 h10 h11 (both).
    assert values("measures_coverage", 9, PREVIOUS) == {TOWNSHIP_A: (2, 4, 50.0), TOWNSHIP_B: (2, 2, 100.0)}


def test_households_with_labour_that_have_a_development_measure(registry):
    # h3 (no labour) and h10 (nobody can work) are not counted; h2's health measure is not development.
    assert values("development_measures", 12) == {VILLAGE_A1: (1, 2, 50.0), VILLAGE_A2: (1, 2, 50.0),
                                                  VILLAGE_B1: (1, 1, 100.0)}
    assert values("development_measures", 9) == {TOWNSHIP_A: (2, 4, 50.0), TOWNSHIP_B: (1, 1, 100.0)}
    assert values("development_measures", 9, PREVIOUS) == {TOWNSHIP_A: (2, 4, 50.0), TOWNSHIP_B: (1, 1, 100.0)}


def test_visits_per_monitored_household(registry):
    # A1: h1 twice and h2 once in the quarter over 3 monitored (h4's and a non-case household's visits
    # do not count); A2: h5 three times over 2; B1: h9 and h10 once each.
    assert values("visits_per_household", 12) == {VILLAGE_A1: (3, 3, 1.0), VILLAGE_A2: (3, 2, 1.5),
                                                  VILLAGE_B1: (2, 2, 1.0)}
    assert values("visits_per_household", 9) == {TOWNSHIP_A: (6, 5, 1.2), TOWNSHIP_B: (2, 2, 1.0)}
    assert values("visits_per_household", 9, PREVIOUS) == {TOWNSHIP_A: (1, 4, 0.25), TOWNSHIP_B: (0, 2, 0.0)}


def test_eliminations_that_pass_the_consistency_checks(registry):
    # h4 and h11 are consistent; h6 was eliminated with a dropout on record.
    assert values("eliminations_consistent", 12) == {VILLAGE_A1: (1, 1, 100.0), VILLAGE_A2: (0, 1, 0.0),
                                                     VILLAGE_B1: (1, 1, 100.0)}
    assert values("eliminations_consistent", 9) == {TOWNSHIP_A: (1, 2, 50.0), TOWNSHIP_B: (1, 1, 100.0)}
    assert values("eliminations_consistent", 9, PREVIOUS) == {}


def test_returns_to_monitoring_after_elimination(registry):
    # h7's rollback (A2, 05-05) and h12's re-identification (B1, 06-05); h4's rollback was in February.
    assert values("returns", 12) == {VILLAGE_A2: (1, None, 1), VILLAGE_B1: (1, None, 1)}
    assert values("returns", 9) == {TOWNSHIP_A: (1, None, 1), TOWNSHIP_B: (1, None, 1)}
    assert values("returns", 9, PREVIOUS) == {TOWNSHIP_A: (1, None, 1)}
    assert INDICATORS["returns"].empty() == IndicatorValue(0, None, 0)  # a quiet area counts 0, not n/a


def _quality_run(region: str, finished: date, findings: dict[str, int], warnings: int = 0):
    from shouwang.supervision.models import DataQualityFinding, DataQualityRun

    run = DataQualityRun.objects.create(region_code=region, year=2024, finished_at=at(finished))
    for village, n in findings.items():
        for _i in range(n):
            DataQualityFinding.objects.create(run=run, region_code=village, rule="test", severity="error")
    for _i in range(warnings):
        DataQualityFinding.objects.create(run=run, region_code=VILLAGE_A1, rule="test", severity="warning")
    return run


def test_data_quality_errors_per_100_households(registry):
    """Errors of the latest data-quality run per 100 registered households of the area."""
    # 5 households in A1 (h1–h4 and one without a case), 4 in A2 (h5–h8), 5 in B1 (h9–h13), none in B2.
    _quality_run(COUNTY, date(2024, 6, 28), {VILLAGE_A1: 2, VILLAGE_B1: 1, VILLAGE_B2: 3}, warnings=4)
    result = values("quality_errors", 12)
    assert result[VILLAGE_A1] == (2, 5, 40.0)  # the 4 findings of severity "check" do not count
    assert result[VILLAGE_A2] == (0, 4, 0.0)
    assert result[VILLAGE_B1] == (1, 5, 20.0)
    assert result[VILLAGE_B2] == (3, 0, None)  # errors but no household: no rate
    assert values("quality_errors", 9)[TOWNSHIP_A] == (2, 9, 22.2)


def test_data_quality_is_not_available_without_a_run_by_the_period_end(registry):
    scope = Scope(COUNTY, 9, *PERIOD)
    assert INDICATORS["quality_errors"].compute(scope) is None  # never run: not "0 errors"
    _quality_run(TOWNSHIP_A, date(2024, 6, 1), {VILLAGE_A1: 1})
    assert INDICATORS["quality_errors"].compute(scope) is None  # a township's run does not cover the county
    _quality_run(COUNTY, date(2024, 7, 3), {VILLAGE_A1: 1})
    assert INDICATORS["quality_errors"].compute(scope) is None  # findings from after the period
    assert INDICATORS["quality_errors"].compute(Scope(COUNTY, 9, date(2024, 7, 1), date(2024, 7, 31))) is not None


def test_indicators_take_a_few_queries_for_all_townships_at_once(registry, django_assert_max_num_queries):
    from shouwang.supervision.assessment.indicators import compute_all

    with django_assert_max_num_queries(20):
        compute_all(Scope(COUNTY, 9, *PERIOD))


def test_a_warning_not_yet_due_is_not_late_in_a_running_period(regions):
    from datetime import timedelta

    from django.utils import timezone

    from shouwang.monitoring.models import WarningStatus
    from shouwang.registry.tests.factories import make_household

    from .assessment_registry import warning

    month, mid = (date(2024, 6, 1), date(2024, 6, 30)), date(2024, 6, 15)
    warning(make_household(VILLAGE_A1), date(2024, 6, 20), status=WarningStatus.NEW)  # due after mid-month
    warning(make_household(VILLAGE_A1), date(2024, 6, 10), status=WarningStatus.VERIFYING)  # overdue
    warning(make_household(VILLAGE_A1), date(2024, 6, 5), status=WarningStatus.DISMISSED, closed=date(2024, 6, 4))
    warning(make_household(VILLAGE_A2), date(2024, 6, 25), status=WarningStatus.NEW)  # its only one, not yet due

    def on(as_of: date, length: int = 12) -> dict[str, tuple]:
        result = INDICATORS["warnings_on_time"].compute(Scope(COUNTY, length, *month, as_of=as_of))
        return {area: (v.numerator, v.denominator, v.value) for area, v in result.items()}

    # Mid-month: one on time, one late; the two not yet due are not judged (A2 is not 0 %).
    assert on(mid) == {VILLAGE_A1: (1, 2, 50.0)}
    assert on(mid, 9) == {TOWNSHIP_A: (1, 2, 50.0)}
    # After the month, still open past their dates: late.
    assert on(date(2024, 7, 3)) == {VILLAGE_A1: (1, 3, 33.3), VILLAGE_A2: (0, 1, 0.0)}

    # Without ``as_of`` the day is today: a period running now judges only what is already due.
    today = timezone.localdate()
    warning(make_household(VILLAGE_B1), today + timedelta(days=3), status=WarningStatus.NEW)
    running = INDICATORS["warnings_on_time"].compute(Scope(COUNTY, 12, today - timedelta(days=10),
                                                           today + timedelta(days=10)))
    assert VILLAGE_B1 not in running
