"""Scorecards over the hand-computed registry: weighted scores, ranks, change from the previous period,
the weights' versions and the background job."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2
from shouwang.core.models import ChangeLog, Job
from shouwang.supervision.assessment import services as assessment
from shouwang.supervision.assessment.indicators import INDICATORS, IndicatorValue
from shouwang.supervision.assessment.tasks import start_scorecard
from shouwang.supervision.models import ScorecardRow, ScorecardSnapshot, ScorecardWeights

from .assessment_registry import PERIOD, PREVIOUS, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(regions):
    return build()


def rows_by_code(snapshot: ScorecardSnapshot) -> dict[str, ScorecardRow]:
    return {row.region_code: row for row in snapshot.rows.all()}


# --- the arithmetic, on its own ------------------------------------------------------------------


def test_percentages_count_as_themselves_and_lower_is_better_is_inverted():
    spec = INDICATORS["identification_on_time"]
    points = assessment.normalise(spec, {"a": IndicatorValue(1, 2, 50.0), "b": IndicatorValue(0, 0, None)})
    assert points == {"a": 50.0, "b": None}
    lower = INDICATORS["returns"]
    points = assessment.normalise(lower, {"a": IndicatorValue(0, None, 0), "b": IndicatorValue(2, None, 2),
                                          "c": IndicatorValue(1, None, 1)})
    assert points == {"a": 100.0, "b": 0.0, "c": 50.0}  # relative: best 100, worst 0


def test_relative_points_are_all_full_when_every_area_is_equal():
    spec = INDICATORS["visits_per_household"]
    assert assessment.normalise(spec, {"a": IndicatorValue(2, 2, 1.0), "b": IndicatorValue(3, 3, 1.0)}) == {
        "a": 100.0, "b": 100.0,
    }


def test_score_is_the_weighted_mean_of_the_indicators_that_apply():
    points = {"identification_on_time": 50.0, "warnings_on_time": None, "returns": 100.0}
    weights = {"identification_on_time": 20, "warnings_on_time": 15, "returns": 5}
    assert assessment.weighted_score(points, weights) == 60.0  # (20·50 + 5·100) / 25
    assert assessment.weighted_score({"warnings_on_time": None}, weights) is None


def test_equal_scores_share_a_rank_and_areas_without_a_score_have_none():
    assert assessment.rank({"a": 80.0, "b": 90.0, "c": 80.0, "d": None, "e": 70.0}) == {
        "a": 2, "b": 1, "c": 2, "d": None, "e": 4,
    }


def test_previous_period_has_the_same_length_and_ends_the_day_before():
    assert assessment.previous_period(*PERIOD) == PREVIOUS
    assert assessment.previous_period(date(2024, 3, 1), date(2024, 3, 31)) == (date(2024, 1, 30), date(2024, 2, 29))


# --- a whole scorecard ---------------------------------------------------------------------------


def test_townships_are_scored_ranked_and_compared_with_the_previous_period(registry):
    snapshot = assessment.compute_snapshot(COUNTY, *PERIOD)
    rows = rows_by_code(snapshot)
    a, b = rows[TOWNSHIP_A], rows[TOWNSHIP_B]
    # Default weights 20/15/15/15/10/10/(10 n/a)/5 = 90 in use.
    # A: 50·20 + 50·15 + 60·15 + 50·15 + 100·10 (best visits) + 50·10 + 0·5 (worst returns) = 4900 → 54.4
    # B: 66.7·20 + 100·15 + 100·15 + 100·15 + 0·10 + 100·10 + 0·5 = 6834 → 75.9
    assert (a.score, a.rank, a.rank_of) == (54.4, 2, 2)
    assert (b.score, b.rank, b.rank_of) == (75.9, 1, 2)
    # Previous quarter, same weights: A 6000/80 = 75.0 (first); B 3500/65 = 53.8 (second).
    assert (a.previous_score, a.previous_rank, a.score_change, a.rank_change) == (75.0, 1, -20.6, -1)
    assert (b.previous_score, b.previous_rank, b.score_change, b.rank_change) == (53.8, 2, 22.1, 1)
    assert a.values["identification_on_time"] == {"numerator": 2, "denominator": 4, "value": 50.0}
    assert a.previous_values["identification_on_time"]["value"] == 100.0
    assert snapshot.unavailable == ["quality_errors"]
    assert "quality_errors" not in a.values
    # Townships with no case, warning or visit at all are listed without a score or rank.
    quiet = [row for row in rows.values()
             if row.level == "township" and row.region_code not in (TOWNSHIP_A, TOWNSHIP_B)]
    assert quiet and all(row.score is None and row.rank is None for row in quiet)


def test_villages_are_ranked_within_their_township(registry):
    rows = rows_by_code(assessment.compute_snapshot(COUNTY, *PERIOD))
    # A1: 1000 + 499.5 + 1000.5 + 750 + 0 (fewer visits) + 1000 + 500 (no return) = 4750 → 52.8
    # A2: 1000 + 1500 + 750 + 750 + 1000 + 0 + 0 = 5000 → 55.6
    assert (rows[VILLAGE_A2].score, rows[VILLAGE_A2].rank, rows[VILLAGE_A2].rank_of) == (55.6, 1, 2)
    assert (rows[VILLAGE_A1].score, rows[VILLAGE_A1].rank, rows[VILLAGE_A1].rank_of) == (52.8, 2, 2)
    # B1 is alone with a score in its township (B2 has nothing): 7834 / 90 → 87.0.
    assert (rows[VILLAGE_B1].score, rows[VILLAGE_B1].rank, rows[VILLAGE_B1].rank_of) == (87.0, 1, 1)
    assert rows[VILLAGE_B2].score is None and rows[VILLAGE_B2].rank is None
    assert rows[VILLAGE_A1].parent_code == TOWNSHIP_A and rows[TOWNSHIP_A].parent_code == COUNTY


def test_the_county_weights_decide_the_ranking(registry, personas):
    weights = dict.fromkeys(INDICATORS, 0) | {"returns": 1, "visits_per_household": 3}
    assessment.save_weights(personas["frank"], COUNTY, weights, note="Visits matter most this year")
    rows = rows_by_code(assessment.compute_snapshot(COUNTY, *PERIOD))
    # Only visits (A 100, B 0 points) and returns (both 0) count: A 300/4 = 75.0, B 0.0.
    assert (rows[TOWNSHIP_A].score, rows[TOWNSHIP_A].rank) == (75.0, 1)
    assert (rows[TOWNSHIP_B].score, rows[TOWNSHIP_B].rank) == (0.0, 2)
    # The previous period is scored with the same weights: A (100·3 + 0·1)/4 = 75.0, B (0 + 100)/4 = 25.0.
    assert (rows[TOWNSHIP_A].previous_score, rows[TOWNSHIP_B].previous_score) == (75.0, 25.0)
    assert rows[TOWNSHIP_A].rank_change == 0


def test_weights_are_versioned_and_logged(regions, personas):
    frank = personas["frank"]
    first = assessment.save_weights(frank, COUNTY, assessment.default_weights() | {"returns": 10}, note="more")
    second = assessment.save_weights(frank, COUNTY, assessment.default_weights(), note="back")
    same = assessment.save_weights(frank, COUNTY, assessment.default_weights(), note="no change")
    assert (first.version, second.version) == (1, 2) and same.pk == second.pk
    assert [v.version for v in assessment.weights_history(COUNTY)] == [2, 1]
    assert assessment.current_weights(COUNTY) == (second, assessment.default_weights())
    entries = ChangeLog.objects.filter(object_type="supervision.scorecardweights").order_by("id")
    assert [e.after["version"] for e in entries] == [1, 2]
    assert entries[0].before["weights"]["returns"] == 5.0 and entries[0].after["weights"]["returns"] == 10.0
    assert entries[1].username == "frank" and entries[1].after["note"] == "back"


def test_only_the_county_sets_weights_and_they_must_make_sense(regions, personas):
    for name in ("carol", "alice", "grace", "heidi"):
        with pytest.raises(PermissionDenied):
            assessment.save_weights(personas[name], COUNTY, assessment.default_weights())
    with pytest.raises(ValidationError):
        assessment.save_weights(personas["erin"], COUNTY, dict.fromkeys(INDICATORS, 0))
    with pytest.raises(ValidationError):
        assessment.save_weights(personas["erin"], COUNTY, {"returns": -1})
    with pytest.raises(ValidationError):
        assessment.save_weights(personas["erin"], COUNTY, {"made_up": 3})
    assert not ScorecardWeights.objects.exists()


def test_the_job_computes_and_stores_the_snapshot_with_progress(registry, personas,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the request commits
        job = start_scorecard(personas["erin"], COUNTY, *PERIOD)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.progress == job.total == 2 * 2 * len(INDICATORS) + 1
    snapshot = ScorecardSnapshot.objects.get(region_code=COUNTY, period_start=PERIOD[0], period_end=PERIOD[1])
    assert snapshot.job_id == job.pk and snapshot.computed_by == personas["erin"]
    assert job.result["snapshot"] == snapshot.pk
    # Computing again replaces the period's snapshot instead of adding a second one.
    with django_capture_on_commit_callbacks(execute=True):
        start_scorecard(personas["frank"], COUNTY, *PERIOD)
    assert ScorecardSnapshot.objects.filter(region_code=COUNTY).count() == 1
    assert ScorecardRow.objects.filter(region_code=TOWNSHIP_A).count() == 1


def test_only_county_officers_start_the_job(regions, personas):
    for name in ("carol", "alice", "grace"):
        with pytest.raises(PermissionDenied):
            start_scorecard(personas[name], COUNTY, *PERIOD)
    with pytest.raises(ValidationError):
        start_scorecard(personas["erin"], COUNTY, PERIOD[1], PERIOD[0])
    assert not Job.objects.filter(kind="scorecard").exists()


def test_scoring_costs_the_same_queries_however_many_areas_have_data(registry):
    """Each indicator is a few GROUP BY queries for all areas at once: more villages with data add none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .assessment_registry import case, household, identification, visit

    assessment.compute_snapshot(COUNTY, *PERIOD)  # both measured runs below replace a snapshot
    with CaptureQueriesContext(connection) as before:
        assessment.compute_snapshot(COUNTY, *PERIOD)
    for village in (VILLAGE_B2, "433122104203", "433122102203"):
        h = household(village)
        c = case(h, "monitored", identified_on=date(2024, 4, 14), clue=date(2024, 4, 1))
        identification(c, started=date(2024, 4, 1), due=date(2024, 4, 16), closed=date(2024, 4, 14))
        visit(h, date(2024, 5, 1))
    with CaptureQueriesContext(connection) as after:
        assessment.compute_snapshot(COUNTY, *PERIOD)
    assert len(after) == len(before) < 120


def test_rows_carry_the_area_names_and_levels(registry):
    rows = rows_by_code(assessment.compute_snapshot(COUNTY, *PERIOD))
    assert rows[VILLAGE_A1].name and rows[VILLAGE_A1].name != VILLAGE_A1
    assert rows[VILLAGE_B1].level == "village" and rows[VILLAGE_A2].level == "village"
