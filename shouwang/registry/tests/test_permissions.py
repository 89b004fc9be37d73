"""The registry's declared actions: unmasking needs the grant (and the region), importing a role.

Personas (conftest.py): alice/bob village cadres of A1/A2, carol/dave township officers of A/B,
erin county officer (holds the unmask grant), frank county administrator, grace leader, heidi
auditor, ivan department officer.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from conftest import COUNTY, VILLAGE_A1, VILLAGE_B1
from shouwang.accounts.models import User
from shouwang.core.permissions import can, permission

pytestmark = pytest.mark.django_db

EVERYONE = ("alice", "bob", "judy", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")


def allowed(personas, action: str, obj=None) -> set[str]:
    return {name for name in EVERYONE if can(personas[name], action, obj)}


def test_unmasking_needs_the_grant_whatever_the_role_and_stays_in_the_region(personas):
    assert allowed(personas, "registry.unmask") == {"erin"}
    carol = personas["carol"]
    carol.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    carol = User.objects.get(pk=carol.pk)  # a fresh object: Django caches the permissions it read
    assert can(carol, "registry.unmask", VILLAGE_A1) and not can(carol, "registry.unmask", VILLAGE_B1)
    assert str(permission("registry.unmask").refusal) == "You may not view unmasked personal data."


def test_township_and_county_staff_import_into_their_region(personas):
    assert allowed(personas, "registry.import") == {"carol", "dave", "erin", "frank"}
    assert allowed(personas, "registry.import", VILLAGE_B1) == {"dave", "erin", "frank"}


def test_regions_are_seen_on_the_path_to_ones_own(personas):
    assert allowed(personas, "regions.view", COUNTY) == set(EVERYONE) - {"ivan"}
    b1_readers = {"judy", "dave", "erin", "frank", "grace", "heidi"}
    assert allowed(personas, "regions.view", VILLAGE_B1) == b1_readers
