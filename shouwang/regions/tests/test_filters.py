"""Region filters: the API's level and parent code, and the regions a list's select offers."""

from __future__ import annotations

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, ListRows
from shouwang.regions.filters import regions_within, village_choices
from shouwang.regions.models import Region
from shouwang.regions.scoping import regions_visible_to


def test_the_region_api_filters_by_level_and_parent(client, personas):
    rows, carol = ListRows(client), personas["carol"]

    def expected(**conditions) -> list[str]:
        return sorted(regions_visible_to(carol).filter(**conditions).values_list("code", flat=True))

    for params in ({"level": "village"}, {"parent_code": TOWNSHIP_A}, {"level": "county"}):
        listed = rows.api(carol, "/api/regions/", params, key="code")
        assert listed == expected(**params) and listed, params


def test_a_select_offers_the_users_own_regions_only(personas):
    villages = [r.code for r in regions_within(personas["carol"], Region.Level.VILLAGE)]
    assert VILLAGE_A1 in villages and VILLAGE_A2 in villages and VILLAGE_B1 not in villages
    own = regions_within(personas["alice"], Region.Level.TOWNSHIP, Region.Level.VILLAGE)
    assert [r.code for r in own] == [VILLAGE_A1]
    assert regions_within(personas["ivan"], Region.Level.VILLAGE) == []  # a role that sees no household
    assert regions_within(None, Region.Level.VILLAGE) == []


def test_villages_are_grouped_by_township_when_there_are_several(personas):
    regions = regions_within(personas["erin"], Region.Level.TOWNSHIP, Region.Level.VILLAGE)
    townships = [r for r in regions if r.level == Region.Level.TOWNSHIP]
    villages = [r for r in regions if r.level == Region.Level.VILLAGE]
    grouped = dict(village_choices(villages, townships))
    names = {r.code: r.name for r in townships}
    assert VILLAGE_B1 in dict(grouped[names[TOWNSHIP_B]]) and VILLAGE_A1 in dict(grouped[names[TOWNSHIP_A]])
    assert COUNTY not in [code for items in grouped.values() for code, _name in items]


def test_every_village_is_labelled_with_its_township(personas):
    from shouwang.regions.filters import labelled_villages

    a, b = (Region.objects.get(code=code).name for code in (TOWNSHIP_A, TOWNSHIP_B))
    a1, b1 = (Region.objects.get(code=code).name for code in (VILLAGE_A1, VILLAGE_B1))
    # Grouped for a county officer, and labelled alike inside each group.
    regions = regions_within(personas["erin"], Region.Level.TOWNSHIP, Region.Level.VILLAGE)
    grouped = dict(village_choices([r for r in regions if r.level == Region.Level.VILLAGE],
                                   [r for r in regions if r.level == Region.Level.TOWNSHIP]))
    assert dict(grouped[a])[VILLAGE_A1] == f"{a} · {a1}" and dict(grouped[b])[VILLAGE_B1] == f"{b} · {b1}"
    # A village cadre's picker holds no township row: the name is looked up.
    own = regions_within(personas["alice"], Region.Level.VILLAGE)
    assert village_choices(own, []) == labelled_villages(own) == [(VILLAGE_A1, f"{a} · {a1}")]
