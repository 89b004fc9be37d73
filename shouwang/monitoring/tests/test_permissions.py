"""The monitoring part's declared actions answer as its pages and services always decided.

Personas (conftest.py): alice/bob village cadres of A1/A2, judy village cadre of B1, carol/dave
township officers of A/B, erin county officer, frank county administrator, grace leader, heidi
auditor, ivan department officer.
"""

from __future__ import annotations

import pytest

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.permissions import can, permission
from shouwang.monitoring.feeds.models import FeedBatch
from shouwang.monitoring.feeds.services import batches_for
from shouwang.monitoring.lines.services import lines_for
from shouwang.monitoring.models import Rule
from shouwang.monitoring.tests.warning_helpers import make_warning

pytestmark = pytest.mark.django_db

EVERYONE = ("alice", "bob", "judy", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")
READERS = set(EVERYONE) - {"ivan"}
OTHER_COUNTY = "430102"


def allowed(personas, action: str, obj=None) -> set[str]:
    return {name for name in EVERYONE if can(personas[name], action, obj)}


def test_lines_are_read_on_the_path_and_set_by_the_administrator(personas):
    assert allowed(personas, "monitoring.view_line") == READERS
    for code in ("", "43", "4331", COUNTY):  # the country, the province, the prefecture, the county
        assert allowed(personas, "monitoring.view_line", code) == READERS, code
    assert allowed(personas, "monitoring.edit_line", COUNTY) == {"frank"}
    for code in ("", "43", "4331"):  # wider than the county: other counties use them
        assert allowed(personas, "monitoring.edit_line", code) == set(), code
    assert allowed(personas, "monitoring.edit_line", OTHER_COUNTY) == set()
    assert allowed(personas, "monitoring.view_line", OTHER_COUNTY) == set()
    assert {line.region_code for line in lines_for(personas["alice"])} == {"", "43"}
    assert not lines_for(personas["ivan"]).exists()


def test_rules_are_read_by_every_reader_and_changed_by_the_administrator(personas):
    rule = Rule.objects.get(code="INCOME_DROP")
    assert allowed(personas, "monitoring.view_rule", rule) == READERS  # a rule holds everywhere
    assert allowed(personas, "monitoring.edit_rule") == {"frank"}
    refusal = permission("monitoring.edit_rule").refusal
    assert str(refusal) == "Only the county administrator may change screening rules."


def test_screening_is_for_county_staff_in_their_region(personas):
    assert allowed(personas, "monitoring.screen", COUNTY) == {"erin", "frank"}
    assert allowed(personas, "monitoring.screen", TOWNSHIP_A) == {"erin", "frank"}
    assert allowed(personas, "monitoring.screen", OTHER_COUNTY) == set()


def test_village_and_township_staff_of_its_region_act_on_a_warning(personas, regions):
    warning = make_warning(VILLAGE_A1)
    assert allowed(personas, "monitoring.act_on_warning", warning) == {"alice", "carol"}
    assert allowed(personas, "view", warning) == {"alice", "carol", "erin", "frank", "grace", "heidi"}


def test_field_work_visits_campaigns_and_self_reports(personas):
    staff = {"alice", "bob", "judy", "carol", "dave", "erin", "frank"}
    assert allowed(personas, "monitoring.record_visit") == staff
    assert allowed(personas, "monitoring.record_visit", VILLAGE_A2) == {"bob", "carol", "erin", "frank"}
    assert allowed(personas, "monitoring.handle_selfreport") == staff
    assert allowed(personas, "monitoring.launch_campaign", TOWNSHIP_A) == {"erin", "frank"}
    assert allowed(personas, "monitoring.launch_campaign", OTHER_COUNTY) == set()
    # A county campaign concerns every village in the county; a village's concerns only its people.
    assert allowed(personas, "monitoring.view_campaign", COUNTY) == READERS
    b1_readers = {"judy", "dave", "erin", "frank", "grace", "heidi"}
    assert allowed(personas, "monitoring.view_campaign", VILLAGE_B1) == b1_readers


def test_feeds_for_county_staff_and_department_officers(personas, regions):
    assert allowed(personas, "monitoring.feed") == {"erin", "frank", "ivan"}
    assert allowed(personas, "monitoring.read_region_feeds") == {"erin", "frank"}
    assert allowed(personas, "monitoring.view_feed_aliases", "43") == {"erin", "frank", "ivan"}
    assert allowed(personas, "monitoring.edit_feed_aliases", COUNTY) == {"frank"}
    mine = FeedBatch.objects.create(feed_type="medical", user=personas["ivan"], region_code=COUNTY)
    other = FeedBatch.objects.create(feed_type="medical", user=personas["erin"], region_code=COUNTY)
    assert set(batches_for(personas["ivan"])) == {mine}  # a department officer: their own batches
    assert set(batches_for(personas["frank"])) == {mine, other}
    assert not batches_for(personas["alice"]).exists()
