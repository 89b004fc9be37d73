"""The demo county played through the services: every case state, both elimination modes, a rollback,
a plausible monitored share, something overdue, and the same story for the same seed."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from shouwang.cases.models import Case, CaseStatus, EliminationMode, Notice, Transition
from shouwang.monitoring.feeds.models import FeedBatch
from shouwang.monitoring.fieldwork.models import Campaign, Visit
from shouwang.monitoring.lines.models import MonitoringLine
from shouwang.monitoring.models import Signal
from shouwang.monitoring.screening.services import screen
from shouwang.registry.demo.services import seed_demo
from shouwang.registry.models import Household
from shouwang.supervision.demo.services import RULE_REASONS, play_years, summary
from shouwang.supervision.dispatch.models import DispatchTask
from shouwang.supervision.spotchecks.models import SpotCheck

HOUSEHOLDS = 1000
SEED = 31


class _Undo(Exception):
    pass


@pytest.fixture
def played(regions):
    today = timezone.localdate()
    years = (today.year - 2, today.year - 1)
    seed_demo(HOUSEHOLDS, seed=SEED, years=years)
    # The first run is undone (a savepoint) so that the second starts from the same registry.
    try:
        with transaction.atomic():
            first = play_years(years, seed=SEED, today=today)
            raise _Undo
    except _Undo:
        pass
    assert not Case.objects.exists()
    second = play_years(years, seed=SEED, today=today)
    return years, today, first, second


def test_the_demo_county_is_lived_in(played):
    (first_year, last_year), today, _first, counts = played
    states = {status for status in CaseStatus.values if counts[f"cases_{status}"]}
    assert {CaseStatus.IDENTIFYING, CaseStatus.MONITORED, CaseStatus.ELIMINATED} <= states, counts
    assert len(states) >= 4, counts
    for mode in EliminationMode.values:
        assert Case.objects.filter(status=CaseStatus.ELIMINATED, elimination_mode=mode).exists(), mode
    assert Transition.objects.filter(action="rollback_elimination").exists()
    assert 15 <= counts["monitored_permille"] <= 50, counts
    assert counts["cases_overdue"] + counts["warnings_overdue"] > 0, counts
    # Every step was done on its simulated day, none after today, and the notices ran before the step.
    assert not Case.objects.filter(identified_on__gt=today).exists()
    assert Notice.objects.filter(ends_on__lt=today).exists()
    # Lines: confirmed or explicitly carried forward for every year played and the current one.
    for year in range(first_year, today.year + 1):
        assert MonitoringLine.objects.filter(year=year).exists(), year
    assert MonitoringLine.objects.filter(carried_forward=True).exists()
    assert FeedBatch.objects.exists() and Visit.objects.exists() and Campaign.objects.exists()
    assert DispatchTask.objects.exists() and SpotCheck.objects.exists()
    # The figures the play reports are what the database holds afterwards.
    county = Case.objects.values_list("region_code", flat=True)[0][:6]
    assert counts | summary(county) == counts


def test_the_cadres_have_answered_the_county_wide_screening(played):
    """The latest year was screened over the whole county and every warning verified: the officer's
    "run screening" right after the story finds only what changed, not a storm of warnings."""
    (_first_year, last_year), _today, _first, counts = played
    households = Household.objects.count()
    dismissed = Signal.objects.filter(year=last_year, open=False, rule__isnull=False).exclude(dismissal_reason="")
    # Far more households than the few the story follows were warned, and answered rule by rule.
    assert dismissed.values("household").distinct().count() > households * 0.05, counts
    answered = dismissed.filter(rule__code="INCOME_BELOW_LINE").values_list("dismissal_reason", flat=True)
    assert answered and set(answered) <= set(RULE_REASONS["INCOME_BELOW_LINE"])
    for year in (None, last_year):  # the latest year recorded (the page's default), or named
        newly_warned = screen(year=year).warnings_created
        assert newly_warned < households * 0.02, (year, newly_warned)


def test_same_seed_same_story(played):
    _years, _today, first, second = played
    first.pop("seconds"), second.pop("seconds")
    assert first == second
