"""A full ID number never travels in an address: the list's GET search refuses it, the page and
the API search by it in a POST body (through the blind index), and the search is logged."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import AccessLog
from shouwang.registry.tests.factories import make_household

URL = "/api/households/search-by-id/"


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def two(personas):
    return make_household(VILLAGE_A1, "A1-ID", members=1), make_household(VILLAGE_B1, "B1-ID", members=1)


def test_api_search_by_id_takes_the_number_in_the_body_only(personas, two):
    mine, _other = two
    number = mine.members.get().id_number
    response = client_for(personas["carol"]).post(URL, {"id_number": number}, format="json")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()] == ["A1-ID"]
    request_line = f"{response.wsgi_request.method} {response.wsgi_request.get_full_path()}"
    assert number not in request_line and number[-8:] not in request_line
    entry = AccessLog.objects.get(action="search_id")
    assert entry.detail["results"] == 1 and number not in str(entry.detail)


def test_api_search_by_id_finds_nothing_outside_the_users_region(personas, two):
    _mine, other = two
    response = client_for(personas["carol"]).post(URL, {"id_number": other.members.get().id_number}, format="json")
    assert response.status_code == 200 and response.json() == []


def test_api_search_by_id_refuses_a_malformed_number_and_the_list_refuses_a_full_id(personas, two):
    mine, _other = two
    client = client_for(personas["carol"])
    assert client.post(URL, {"id_number": "12345"}, format="json").status_code == 400
    listed = client.get("/api/households/", {"q": mine.members.get().id_number})
    assert listed.status_code == 400 and "results" not in listed.json()


def test_page_search_by_id_is_a_post_and_a_get_search_is_dropped(client, personas, two):
    mine, _other = two
    number = mine.members.get().id_number
    client.force_login(personas["carol"])
    found = client.post("/registry/households/", {"id_number": number})
    assert found.status_code == 200 and "A1-ID" in found.content.decode()
    assert number not in found.wsgi_request.get_full_path()
    dropped = client.get("/registry/households/", {"q": number, "village": VILLAGE_A1})
    assert dropped.status_code == 302 and number not in dropped["Location"]
