"""The household list's one filter: the page, the API and the export list the same households."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.registry.households.filters import HouseholdFilter
from shouwang.registry.models import Household, Relation
from shouwang.registry.tests.factories import make_household

LIST, API = reverse("registry:household_list"), "/api/households/"


@pytest.fixture
def households(personas):
    return {
        "a1": make_household(VILLAGE_A1, "A1-0001", household_type="ex_poor"),
        "a1b": make_household(VILLAGE_A1, "A1-0002"),
        "a2": make_household(VILLAGE_A2, "A2-0001"),
        "b1": make_household(VILLAGE_B1, "B1-0001", household_type="ex_poor"),
    }


def _queries(households) -> list[dict[str, str]]:
    a2_head = households["a2"].members.get(relation=Relation.HEAD)
    return [
        {},
        {"village": VILLAGE_A2},
        {"township": TOWNSHIP_B},
        {"township": TOWNSHIP_A, "village": VILLAGE_A1},  # the village is the narrower choice
        {"township": COUNTY},  # any prefix, as API clients have always sent
        {"household_type": "ex_poor"},
        {"q": "a1-000"},
        {"q": a2_head.name},
        {"q": a2_head.id_masked[-4:]},
        {"number": "b1-0001"},
        {"village": VILLAGE_B1, "household_type": "ex_poor"},
    ]


@pytest.mark.parametrize("name", ["erin", "carol"])
def test_page_api_and_export_list_the_same_households(list_rows, personas, households, name):
    user = personas[name]
    for params in _queries(households):
        page = list_rows.page(user, LIST, params, key=lambda h: h.number)
        api = list_rows.api(user, API, params, key="number")
        export = list_rows.export(user, "households", params, column="户编号")
        assert page == api == export, params
    everything = list_rows.page(user, LIST, {}, key=lambda h: h.number)
    assert ("B1-0001" in everything) == (name == "erin")


def test_the_filter_narrows_a_restricted_queryset_and_never_widens_it(personas, households):
    carol = personas["carol"]
    scoped = Household.objects.restrict(carol, "view")
    rows = HouseholdFilter.for_page(QueryDict("village=" + VILLAGE_B1), scoped, carol).rows()
    assert not rows.exists()
    rows = HouseholdFilter.for_page(QueryDict("household_type=ex_poor"), scoped, carol).rows()
    assert sorted(rows.values_list("number", flat=True)) == ["A1-0001"]


def test_the_page_offers_the_users_own_townships_and_villages(personas, households):
    form = HouseholdFilter.for_page(QueryDict(), Household.objects.none(), personas["carol"]).form
    villages = [code for code, _label in form.fields["village"].choices]
    assert VILLAGE_A1 in villages and VILLAGE_A2 in villages and VILLAGE_B1 not in villages
    assert form.show_village() and not form.show_township()
    assert str(form.fields["household_type"].label) == "Household type"


def test_a_whole_id_number_is_refused_everywhere(list_rows, client, personas, households):
    number = households["a1"].members.get(relation=Relation.HEAD).id_number
    client.force_login(personas["erin"])
    assert client.get(API, {"q": number}).status_code == 400
    assert list_rows.export(personas["erin"], "households", {"q": number}, column="户编号") == []
