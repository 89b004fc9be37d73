"""The supervision part's declared actions answer as its features' rules say, persona by persona.

Personas (conftest.py): alice/bob village cadres of A1/A2, judy of B1, carol/dave township officers
of A/B, erin county officer (may unmask), frank county administrator, grace leader, heidi auditor,
ivan department officer.
"""

from __future__ import annotations

import pytest

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1
from shouwang.accounts.models import User
from shouwang.core.permissions import can

pytestmark = pytest.mark.django_db

EVERYONE = ("alice", "bob", "judy", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")
VIEWERS = set(EVERYONE) - {"ivan"}


def allowed(personas, action, obj=None) -> set[str]:
    return {name for name in EVERYONE if can(personas[name], action, obj)}


def test_the_county_refreshes_the_dashboards_and_manages_its_scorecard(personas):
    assert allowed(personas, "supervision.refresh_dashboards") == {"erin", "frank"}
    assert allowed(personas, "supervision.manage_assessment", COUNTY) == {"erin", "frank"}
    assert allowed(personas, "supervision.manage_assessment", "433123") == set()  # another county
    assert allowed(personas, "supervision.manage_assessment", TOWNSHIP_A) == set()  # weights are a county's


def test_a_prefecture_officer_manages_the_scorecards_of_its_counties(personas):
    from shouwang.regions.models import Region

    Region.objects.get_or_create(code=COUNTY[:4], defaults={"name": "湘西州", "level": "prefecture"})
    prefecture = User.objects.create_user(username="pat", role="county", region_id=COUNTY[:4])
    assert can(prefecture, "supervision.manage_assessment", COUNTY)
    assert can(prefecture, "supervision.draw_spotcheck", COUNTY)
    assert not can(prefecture, "supervision.issue_dispatch")  # sending goes from a county or a township


def test_a_scorecard_page_is_read_on_the_path_to_ones_region(personas):
    assert allowed(personas, "supervision.view_scorecard", TOWNSHIP_A) == VIEWERS - {"judy", "dave"}


def test_tasks_go_down_from_a_county_or_township_and_are_answered_by_the_region_itself(personas):
    assert allowed(personas, "supervision.issue_dispatch") == {"carol", "dave", "erin", "frank"}
    assert allowed(personas, "supervision.close_dispatch", COUNTY) == {"erin", "frank"}
    assert allowed(personas, "supervision.close_dispatch", TOWNSHIP_A) == {"carol"}
    assert allowed(personas, "supervision.answer_dispatch", TOWNSHIP_A) == {"carol"}
    assert allowed(personas, "supervision.answer_dispatch", VILLAGE_A1) == {"alice"}
    assert allowed(personas, "supervision.answer_dispatch", COUNTY) == set()
    leader = User.objects.create_user(username="lee", role="leader", region_id=TOWNSHIP_A)
    assert can(leader, "supervision.read_dispatch_inbox", TOWNSHIP_A)
    assert not can(leader, "supervision.answer_dispatch", TOWNSHIP_A)  # reads the inbox, does not answer


def test_quality_and_spot_checks(personas):
    assert allowed(personas, "supervision.run_quality") == {"carol", "dave", "erin", "frank"}
    assert allowed(personas, "supervision.draw_spotcheck", COUNTY) == {"erin", "frank"}
    assert allowed(personas, "supervision.record_spotcheck", VILLAGE_A1) == {"carol", "erin", "frank"}
    assert allowed(personas, "supervision.view_spotchecks", COUNTY) == VIEWERS
    assert allowed(personas, "supervision.view_spotchecks", TOWNSHIP_B) == VIEWERS - {"alice", "bob", "carol"}
    assert allowed(personas, "supervision.view_quality_runs", "") == VIEWERS


def test_exports_and_unmasked_exports(personas):
    assert allowed(personas, "supervision.export") == VIEWERS
    assert allowed(personas, "supervision.export_unmasked") == {"erin"}
