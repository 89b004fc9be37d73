"""The village's scorecard on its profile page (revitalization.villages), registered by supervision."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import COUNTY, VILLAGE_A1, VILLAGE_B1
from shouwang.supervision.assessment import services as assessment
from shouwang.supervision.assessment.panels import village_scorecard
from shouwang.supervision.models import ScorecardRow

from .assessment_registry import PERIOD, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(personas):
    build()
    return assessment.compute_snapshot(COUNTY, *PERIOD, user=personas["erin"])


def test_the_profile_page_shows_the_villages_score_and_rank(client, personas, scored):
    row = ScorecardRow.objects.get(snapshot=scored, region_code=VILLAGE_A1)
    client.force_login(personas["alice"])  # the village cadre of A1
    page = client.get(reverse("revitalization:village_profile", args=[VILLAGE_A1]), {"year": PERIOD[1].year})
    panel = next(p for p in page.context["panels"] if p["title"] == "考核得分" or p["title"] == "Scorecard")
    values = dict(panel["rows"])
    assert any(f"{row.rank} / {row.rank_of}" == v for v in values.values())
    assert any(v == ("—" if row.score is None else f"{row.score:.1f}") for v in values.values())


def test_no_panel_for_another_year_or_outside_the_users_path(personas, scored):
    assert village_scorecard(personas["alice"], VILLAGE_A1, PERIOD[1].year - 1) is None
    assert village_scorecard(personas["alice"], VILLAGE_B1, PERIOD[1].year) is None
