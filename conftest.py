"""Shared fixtures: the Luxi region tree and named personas in two townships and four villages.

Township A is 达岚镇 (433122102), township B 兴隆场镇 (433122104). Every scoping test asks
what each persona may see of households in A1, A2 (both in A) and B1 (in B).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

# The browser fixtures (Chromium through Playwright) are shared by every app's browser tests.
# Sessions made by ``client.force_login`` have shown their second factor (shouwang/testing/two_factor.py).
pytest_plugins = ["shouwang.testing.browser", "shouwang.testing.two_factor"]

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


@pytest.fixture(autouse=True)
def no_audit_anchors_left():
    """Audit anchors (core.anchors) written by a test, e.g. by running every periodic job, belong to
    that test's database: removed after it, so later tests do not check their chains against them."""
    yield
    from django.conf import settings

    for path in settings.SHOUWANG_AUDIT_ANCHOR_DIR.glob("anchor-*.json"):
        path.unlink(missing_ok=True)


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


@pytest.fixture
def province_admin(regions):
    """paula: an administrator of the province (43, 湖南省), who sets the lines and limits wider
    than a county."""
    from shouwang.regions.models import Region

    Region.objects.get_or_create(code="43", defaults={"name": "湖南省", "level": "province", "parent_code": ""})
    return _user("paula", "admin", "43")


class ListRows:
    """One list's rows for the same GET parameters, as its page, its API and its export give them.

    Each method logs ``user`` in and answers a sorted list of one key per row, so a test of a
    list's one filter compares the three: ``rows.page(user, url, params, key=…)``,
    ``rows.api(user, url, params, key="number")``, ``rows.export(user, name, params, column="户编号")``.
    """

    def __init__(self, client):
        self.client = client

    def page(self, user, url, params, *, key, rows=None) -> list:
        """``key(row)`` of every row the page lists (all its pages): ``rows(context)``, by default
        the rows of the page's paginator."""
        self.client.force_login(user)
        response = self.client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)
        listed = rows(response.context) if rows else response.context["page"].paginator.object_list
        return sorted(key(row) for row in listed)

    def api(self, user, url, params, *, key) -> list:
        self.client.force_login(user)
        response = self.client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code, response.content[:300])
        data = response.json()
        results = data["results"] if isinstance(data, dict) else data
        assert not (isinstance(data, dict) and data.get("next")), "more than one page: use fewer rows"
        return sorted(row[key] for row in results)

    def export(self, user, name, params, *, column) -> list:
        """The ``column`` of every row of the file the page's export button gives (CSV)."""
        import csv
        import io
        from urllib.parse import urlencode

        from django.urls import reverse

        self.client.force_login(user)
        url = reverse("supervision:export_start", args=[name]) + "?" + urlencode(params, doseq=True)
        response = self.client.post(url, {"format": "csv"})
        assert response.status_code == 200, (name, params, response.status_code)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        index = table[0].index(column)
        return sorted(row[index] for row in table[1:])


@pytest.fixture
def list_rows(client, settings, tmp_path):
    """A :class:`ListRows` (exports are written under the test's temporary folder)."""
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"
    return ListRows(client)
