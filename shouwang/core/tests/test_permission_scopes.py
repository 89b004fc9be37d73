"""``restrict`` and ``can`` follow the declared scope: inside the user's region, on the path to
it, or the region itself."""

from __future__ import annotations

import pytest

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_B1
from shouwang.core import permissions
from shouwang.core.permissions import Scope, can, declare, restrict

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped_actions():
    """One throw-away action per scope, for township and county officers; removed afterwards."""
    names = {scope: f"test.scope_{scope.value}" for scope in Scope}
    for scope, name in names.items():
        declare(name, label=name, roles=("township", "county"), scope=scope)
    yield names
    for name in names.values():
        permissions._TABLE.pop(name, None)


def codes(user, regions, action) -> set[str]:
    return set(restrict(user, regions.all(), action).values_list("code", flat=True))


def test_within_keeps_the_users_region_and_what_lies_inside_it(personas, regions, scoped_actions):
    seen = codes(personas["carol"], regions, scoped_actions[Scope.WITHIN])
    assert TOWNSHIP_A in seen and VILLAGE_A1 in seen
    assert COUNTY not in seen and TOWNSHIP_B not in seen and VILLAGE_B1 not in seen


def test_on_path_adds_the_regions_above_the_users(personas, regions, scoped_actions):
    action = scoped_actions[Scope.ON_PATH]
    seen = codes(personas["carol"], regions, action)
    above = set(regions.filter(code__in=[COUNTY[:2], COUNTY[:4]]).values_list("code", flat=True))
    assert {COUNTY, TOWNSHIP_A, VILLAGE_A1} | above <= seen
    assert TOWNSHIP_B not in seen and VILLAGE_B1 not in seen
    carol = personas["carol"]
    assert can(carol, action, COUNTY) and can(carol, action, VILLAGE_A1)
    assert not can(carol, action, TOWNSHIP_B)
    assert can(carol, action, "")  # "" (everywhere) lies on the path of every region
    assert not can(carol, scoped_actions[Scope.WITHIN], "")


def test_own_is_the_users_region_itself(personas, regions, scoped_actions):
    action = scoped_actions[Scope.OWN]
    assert codes(personas["carol"], regions, action) == {TOWNSHIP_A}
    assert can(personas["carol"], action, TOWNSHIP_A) and not can(personas["carol"], action, VILLAGE_A1)


def test_a_role_without_the_action_gets_nothing(personas, regions, scoped_actions):
    for name in ("alice", "grace"):
        assert codes(personas[name], regions, scoped_actions[Scope.ON_PATH]) == set(), name
        assert not can(personas[name], scoped_actions[Scope.ON_PATH], "")
