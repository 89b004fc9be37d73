"""Gaps in the villages' warning queues: once per household, joining its open warning."""

from __future__ import annotations

import pytest

from shouwang.monitoring.warnings.models import Signal, Warning, WarningChannel

from .. import services as gaps
from .test_gaps import YEAR, world  # noqa: F401  (the hand-made registry)

pytestmark = pytest.mark.django_db


def test_warnings_once_per_household_and_joined(world):  # noqa: F811
    added = gaps.raise_warnings(world["yulu"], YEAR)
    assert added == {gaps.NOT_ENROLLED: 2, gaps.NOT_ELIGIBLE: 1}  # a, b; d
    warned = set(Warning.objects.values_list("household_id", flat=True))
    assert warned == {world["a"].pk, world["b"].pk, world["d"].pk}
    assert gaps.raise_warnings(world["yulu"], YEAR) == {gaps.NOT_ENROLLED: 0, gaps.NOT_ELIGIBLE: 0}
    assert Signal.objects.filter(channel=WarningChannel.POLICY_GAP).count() == 3
    # The household policy's gaps (b not eligible, d not enrolled) join b's and d's open warnings.
    assert gaps.raise_warnings(world["low"], YEAR) == {gaps.NOT_ENROLLED: 1, gaps.NOT_ELIGIBLE: 1}
    assert Warning.objects.count() == 3
    d_warning = Warning.objects.get(household=world["d"])
    assert d_warning.channel == WarningChannel.POLICY_GAP
    assert sorted((s.evidence["policy"], s.evidence["gap"]) for s in d_warning.signals.all()) == [
        ("LOW", gaps.NOT_ENROLLED), ("YULU", gaps.NOT_ELIGIBLE)]
    assert all(s.year == YEAR and s.open for s in d_warning.signals.all())


def test_warnings_within_a_region(world):  # noqa: F811
    assert gaps.raise_warnings(world["yulu"], YEAR, "433122104") == {gaps.NOT_ENROLLED: 0, gaps.NOT_ELIGIBLE: 1}
    assert list(Warning.objects.values_list("household_id", flat=True)) == [world["d"].pk]


def test_the_warning_page_shows_the_gap(world, personas, client):  # noqa: F811
    gaps.raise_warnings(world["yulu"], YEAR)
    warning = Warning.objects.get(household=world["a"])
    client.force_login(personas["alice"])
    page = client.get(f"/monitoring/warnings/{warning.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "雨露计划" in text and "应享未享" in text
