"""The cases part's declared actions answer as the procedure's rules say, persona by persona.

Personas (conftest.py): alice/bob village cadres of A1/A2, carol/dave township officers of A/B,
erin county officer (may unmask), frank county administrator, grace leader, heidi auditor,
ivan department officer.
"""

from __future__ import annotations

import pytest

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_B1
from shouwang.cases.procedure.models import StepCode
from shouwang.cases.tests.factories import make_case
from shouwang.core.permissions import can, permission

pytestmark = pytest.mark.django_db

EVERYONE = ("alice", "bob", "judy", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")


def allowed(personas, action, obj=None) -> set[str]:
    return {name for name in EVERYONE if can(personas[name], action, obj)}


def test_acting_on_a_case_is_for_village_township_and_county_staff_of_its_region(personas):
    case = make_case(village=VILLAGE_A1)
    assert allowed(personas, "cases.complete_step", case) == {"alice", "carol", "erin", "frank"}
    assert allowed(personas, "cases.add_measure", case) == allowed(personas, "cases.add_contact", case) == {
        "alice", "carol", "erin", "frank"}


def test_a_step_is_completed_at_its_own_level(personas):
    case = make_case(village=VILLAGE_A1)
    steps = {s.code: s for s in case.procedures.get().steps.all()}
    assert allowed(personas, "cases.complete_step", steps[StepCode.VERIFY]) == {"alice"}
    assert allowed(personas, "cases.complete_step", steps[StepCode.COMPARE]) == {"carol"}
    assert allowed(personas, "cases.complete_step", steps[StepCode.COUNTY]) == {"erin", "frank"}


def test_the_narrower_actions_name_their_levels(personas):
    case = make_case(village=VILLAGE_A1)
    assert allowed(personas, "cases.withdraw", case) == {"alice", "carol"}
    assert allowed(personas, "cases.object", case) == {"alice", "carol"}
    assert allowed(personas, "cases.start_elimination", case) == {"alice"}
    assert allowed(personas, "cases.reidentify", case) == {"alice"}
    assert allowed(personas, "cases.rollback_elimination", case) == {"erin", "frank"}


def test_cases_are_opened_and_notices_posted_in_the_village_or_its_township(personas):
    for action in ("cases.open_case", "cases.post_notice"):
        assert allowed(personas, action, VILLAGE_A1) == {"alice", "carol"}, action
        assert allowed(personas, action, VILLAGE_B1) == {"judy", "dave"}, action


def test_contacts_are_unmasked_only_with_the_grant(personas):
    case = make_case(village=VILLAGE_A1)
    assert allowed(personas, "cases.unmask_contact", case) == {"erin"}


def test_time_limits_are_read_on_the_path_and_changed_by_the_administrator(personas):
    assert allowed(personas, "cases.view_procedure_settings", COUNTY) == set(EVERYONE) - {"ivan"}
    assert allowed(personas, "cases.view_procedure_settings", TOWNSHIP_B) == {"judy", "dave", "erin", "frank",
                                                                              "grace", "heidi"}
    for code in (COUNTY, TOWNSHIP_A, VILLAGE_A1):
        assert allowed(personas, "cases.edit_procedure_settings", code) == {"frank"}, code
    for code in ("", COUNTY[:2]):  # the nation's and the province's: a province administrator's
        assert allowed(personas, "cases.edit_procedure_settings", code) == set(), code
    assert allowed(personas, "cases.edit_procedure_settings", "433123") == set()  # another county


def test_every_cases_action_has_a_label_and_a_refusal_where_users_meet_one():
    for name in ("cases.open_case", "cases.complete_step", "cases.post_notice",
                 "cases.edit_procedure_settings", "cases.unmask_contact"):
        rule = permission(name)
        assert str(rule.label) and str(rule.refusal), name
