"""Shared fixtures: the Luxi region tree and named personas in two townships and four villages.

Township A is 达岚镇 (433122102), township B 兴隆场镇 (433122104). Every scoping test asks
what each persona may see of households in A1, A2 (both in A) and B1 (in B).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

# The browser fixtures (Chromium through Playwright) are shared by every app's browser tests.
pytest_plugins = ["shouwang.web.tests.browser.plugin"]

TOWNSHIP_A, TOWNSHIP_B = "433122102", "433122104"
VILLAGE_A1, VILLAGE_A2 = "433122102201", "433122102202"
VILLAGE_B1, VILLAGE_B2 = "433122104201", "433122104202"
COUNTY = "433122"


@pytest.fixture(autouse=True)
def english():
    """Tests read messages as their English msgids; the site's default language is Chinese.

    Code outside a request (commands, services) runs with English active, and the test client
    asks for English. Tests of the Chinese default opt out with ``translation.override`` and a
    client of their own (see shouwang/web/tests/test_pages.py).
    """
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def regions(db):
    from shouwang.regions.loader import DEMO_FILE, load_divisions, read_divisions

    load_divisions(read_divisions(DEMO_FILE))
    from shouwang.regions.models import Region

    for code in (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, VILLAGE_B2):
        assert Region.objects.filter(code=code).exists(), code
    return Region.objects


def _user(username, role, region, *, unmask=False):
    from django.contrib.auth.models import Permission

    from shouwang.accounts.models import User

    user = User.objects.create_user(username=username, password="Pass-word-123", role=role, region_id=region)
    if unmask:
        user.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
        user = User.objects.get(pk=user.pk)
    return user


@pytest.fixture
def personas(regions):
    """alice/bob: village cadres of A1/A2; carol/dave: township officers of A/B; erin: county officer
    (may unmask); frank: county admin; grace: leader; heidi: auditor; ivan: department officer;
    judy: village cadre of B1."""
    return {
        "alice": _user("alice", "village", VILLAGE_A1),
        "bob": _user("bob", "village", VILLAGE_A2),
        "judy": _user("judy", "village", VILLAGE_B1),
        "carol": _user("carol", "township", TOWNSHIP_A),
        "dave": _user("dave", "township", TOWNSHIP_B),
        "erin": _user("erin", "county", COUNTY, unmask=True),
        "frank": _user("frank", "admin", COUNTY),
        "grace": _user("grace", "leader", COUNTY),
        "heidi": _user("heidi", "auditor", COUNTY),
        "ivan": _user("ivan", "department", COUNTY),
    }
