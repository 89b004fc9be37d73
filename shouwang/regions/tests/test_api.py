"""The regions API: fields, level and parent filters, and the visible part of the tree."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1
from shouwang.accounts.models import User
from shouwang.regions.models import Region
from shouwang.regions.scoping import regions_visible_to


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _all(client, params=None) -> list[dict]:
    rows, url = [], "/api/regions/"
    while url:
        data = client.get(url, params).json()
        rows += data["results"]
        url, params = data["next"], None
    return rows


def test_region_detail_fields(personas):
    data = _client(personas["alice"]).get(f"/api/regions/{VILLAGE_A1}/").json()
    region = Region.objects.get(code=VILLAGE_A1)
    assert data == {"code": VILLAGE_A1, "name": region.name, "level": "village", "parent_code": TOWNSHIP_A}


def test_county_officer_sees_the_whole_loaded_tree(personas):
    rows = _all(_client(personas["erin"]))
    assert len(rows) == Region.objects.count() == 161
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)


def test_filter_by_level_and_parent(personas):
    client = _client(personas["erin"])
    townships = _all(client, {"level": "township"})
    assert len(townships) == 12 and {r["parent_code"] for r in townships} == {COUNTY}
    children = _all(client, {"parent_code": TOWNSHIP_B})
    assert children and all(r["code"].startswith(TOWNSHIP_B) and r["level"] == "village" for r in children)
    assert len(children) == Region.objects.filter(parent_code=TOWNSHIP_B).count()


def test_parent_filter_outside_scope_is_empty(personas):
    assert _all(_client(personas["carol"]), {"parent_code": TOWNSHIP_B}) == []


def test_village_cadre_sees_breadcrumb_ancestors_but_not_siblings(personas):
    codes = [r["code"] for r in _all(_client(personas["alice"]))]
    assert codes == [COUNTY, TOWNSHIP_A, VILLAGE_A1]


def test_regions_visible_to_nobody_without_view_or_region(personas, regions):
    assert not regions_visible_to(personas["ivan"]).exists()
    homeless = User.objects.create_user("nobody", password="x-Pass-word-1", role="county", region=None)
    assert not regions_visible_to(homeless).exists()
    inactive = personas["erin"]
    inactive.is_active = False
    assert not regions_visible_to(inactive).exists()


def test_regions_visible_to_includes_ancestors_loaded_above_county(personas):
    Region.objects.create(code="43", name="湖南省", level="province", parent_code="")
    Region.objects.create(code="4331", name="湘西土家族苗族自治州", level="prefecture", parent_code="43")
    codes = set(regions_visible_to(personas["alice"]).values_list("code", flat=True))
    assert codes == {"43", "4331", COUNTY, TOWNSHIP_A, VILLAGE_A1}


@pytest.mark.parametrize("code", ["433122104", "433122104201"])
def test_unknown_or_hidden_region_answers_404(personas, code):
    assert _client(personas["alice"]).get(f"/api/regions/{code}/").status_code == 404
