"""Persona matrix for the API: what each persona sees of households in A1, A2 and B1.

Out-of-scope objects answer 404 and never appear in lists or counts, through every filter.
"""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.accounts.tokens import issue_token
from shouwang.registry.models import Member
from shouwang.registry.tests.factories import make_household

ALL = {VILLAGE_A1, VILLAGE_A2, VILLAGE_B1}
SEES = {
    "alice": {VILLAGE_A1},
    "bob": {VILLAGE_A2},
    "judy": {VILLAGE_B1},
    "carol": {VILLAGE_A1, VILLAGE_A2},
    "dave": {VILLAGE_B1},
    "erin": ALL,
    "frank": ALL,
    "grace": ALL,
    "heidi": ALL,
    "ivan": set(),
}
ID_PATTERN = re.compile(rb"(?<![0-9])\d{17}[0-9Xx](?![0-9])")
MOBILE_PATTERN = re.compile(rb"(?<![0-9])1[3-9]\d{9}(?![0-9])")


@pytest.fixture
def households(regions):
    """Two households in each of A1, A2 and B1."""
    return {v: [make_household(v), make_household(v)] for v in (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1)}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_no_personal_numbers(body: bytes) -> None:
    assert not ID_PATTERN.search(body), body[:500]
    assert not MOBILE_PATTERN.search(body), body[:500]
    for member in Member.objects.all():
        assert member.id_number.encode() not in body
        assert member.phone.encode() not in body


@pytest.mark.parametrize("name", sorted(SEES))
def test_household_list_and_count_hold_only_the_personas_scope(personas, households, name):
    response = client_for(personas[name]).get("/api/households/")
    assert response.status_code == 200
    data = response.json()
    expected = {h.number for v in SEES[name] for h in households[v]}
    assert {row["number"] for row in data["results"]} == expected
    assert data["count"] == len(expected)
    assert_no_personal_numbers(response.content)


@pytest.mark.parametrize("name", sorted(SEES))
def test_household_detail_outside_scope_answers_404(personas, households, name):
    client = client_for(personas[name])
    for village, items in households.items():
        for household in items:
            response = client.get(f"/api/households/{household.pk}/")
            if village in SEES[name]:
                assert response.status_code == 200
                assert response.json()["number"] == household.number
                assert_no_personal_numbers(response.content)
            else:
                assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(SEES))
def test_filters_never_reach_outside_scope(personas, households, name):
    client = client_for(personas[name])
    visible = SEES[name]
    for village, items in households.items():
        target = items[0]
        head = target.members.order_by("id").first()
        queries = [
            {"village": village},
            {"township": village[:9]},
            {"number": target.number},
            {"q": target.number},
            {"q": head.name},
            {"q": head.id_masked[-4:]},
        ]
        for params in queries:
            data = client.get("/api/households/", params).json()
            numbers = {row["number"] for row in data["results"]}
            if village not in visible:
                assert target.number not in numbers, params
            assert data["count"] == len(numbers)
            assert all(n in {h.number for v in visible for h in households[v]} for n in numbers), params


def test_township_officer_counts_their_whole_township_and_nothing_outside(personas, households):
    client = client_for(personas["carol"])
    assert client.get("/api/households/", {"township": TOWNSHIP_A}).json()["count"] == 4
    assert client.get("/api/households/", {"township": TOWNSHIP_B}).json()["count"] == 0
    assert client.get("/api/households/", {"village": VILLAGE_B1}).json()["count"] == 0
    assert client.get("/api/households/", {"township": COUNTY}).json()["count"] == 4


REGION_SEES = {
    "alice": {COUNTY, TOWNSHIP_A, VILLAGE_A1},
    "judy": {COUNTY, TOWNSHIP_B, VILLAGE_B1},
    "ivan": set(),
}


@pytest.mark.parametrize("name", sorted(REGION_SEES))
def test_region_list_is_own_subtree_and_ancestors(personas, name):
    client = client_for(personas[name])
    # Paginated at 50: these scopes fit on one page.
    codes = {r["code"] for r in client.get("/api/regions/").json()["results"]}
    assert codes == REGION_SEES[name]


def test_township_officer_regions_are_township_subtree_and_county(personas, regions):
    client = client_for(personas["carol"])
    data = client.get("/api/regions/").json()
    expected = {COUNTY} | set(regions.filter(code__startswith=TOWNSHIP_A).values_list("code", flat=True))
    assert data["count"] == len(expected)
    codes = set()
    url = "/api/regions/"
    while url:
        page = client.get(url).json()
        codes |= {r["code"] for r in page["results"]}
        url = page["next"]
    assert codes == expected
    assert not any(c.startswith(TOWNSHIP_B) for c in codes)


@pytest.mark.parametrize(
    "name,code,status",
    [
        ("alice", VILLAGE_A1, 200),
        ("alice", TOWNSHIP_A, 200),
        ("alice", COUNTY, 200),
        ("alice", VILLAGE_A2, 404),
        ("alice", VILLAGE_B1, 404),
        ("alice", TOWNSHIP_B, 404),
        ("carol", VILLAGE_A2, 200),
        ("carol", VILLAGE_B1, 404),
        ("dave", VILLAGE_A1, 404),
        ("erin", VILLAGE_B1, 200),
        ("ivan", COUNTY, 404),
        ("ivan", VILLAGE_A1, 404),
    ],
)
def test_region_detail_outside_scope_answers_404(personas, name, code, status):
    assert client_for(personas[name]).get(f"/api/regions/{code}/").status_code == status


def test_token_authentication_is_scoped_like_the_session(personas, households):
    token = issue_token(personas["alice"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    data = client.get("/api/households/").json()
    assert {row["number"] for row in data["results"]} == {h.number for h in households[VILLAGE_A1]}
    other = households[VILLAGE_B1][0]
    assert client.get(f"/api/households/{other.pk}/").status_code == 404


def test_session_authentication_works(client, personas, households):
    client.force_login(personas["dave"])
    data = client.get("/api/households/").json()
    assert data["count"] == 2


def test_anonymous_and_bad_token_are_refused(households):
    # Session authentication comes first, so DRF answers 403 rather than 401 to the anonymous.
    assert APIClient().get("/api/households/").status_code in (401, 403)
    assert APIClient().get("/api/regions/").status_code in (401, 403)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/households/")
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_api_is_read_only(personas, households):
    client = client_for(personas["frank"])
    household = households[VILLAGE_A1][0]
    assert client.post("/api/households/", {"number": "X"}).status_code == 405
    assert client.patch(f"/api/households/{household.pk}/", {"number": "X"}).status_code == 405
    assert client.delete(f"/api/households/{household.pk}/").status_code == 405


def test_unmask_permission_does_not_unmask_the_api(personas, households):
    erin = personas["erin"]
    assert erin.can_unmask
    household = households[VILLAGE_B1][0]
    response = client_for(erin).get(f"/api/households/{household.pk}/")
    assert response.status_code == 200
    assert_no_personal_numbers(response.content)
    member = response.json()["members"][0]
    assert "*" in member["id_masked"] and "*" in member["phone_masked"]
