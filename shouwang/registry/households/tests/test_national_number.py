"""The national household number (户编号) of a household taken over: searchable and shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.registry.tests.factories import make_household

LIST = reverse("registry:household_list")


@pytest.fixture
def households(personas):
    return {
        "a": make_household(VILLAGE_A1, "A1-0001", national_number="433122102201000003"),
        "b": make_household(VILLAGE_A1, "A1-0002", national_number="433122102201000104"),
        "plain": make_household(VILLAGE_A1, "A1-0003"),
        "b1": make_household(VILLAGE_B1, "B1-0001", national_number="433122104201000005"),
    }


@pytest.mark.parametrize(("q", "expected"), [
    ("433122102201000003", ["A1-0001"]),  # exact
    ("4331221022010001", ["A1-0002"]),  # its beginning
    ("43312210220100", ["A1-0001", "A1-0002"]),
    ("433122104201000005", []),  # outside the township officer's region
])
def test_the_household_list_finds_the_national_number(list_rows, personas, households, q, expected):
    carol = personas["carol"]
    assert list_rows.page(carol, LIST, {"q": q}, key=lambda h: h.number) == expected
    assert list_rows.api(carol, "/api/households/", {"q": q}, key="number") == expected
    assert list_rows.export(carol, "households", {"q": q}, column="户编号") == expected


def test_only_the_beginning_of_the_national_number_matches(list_rows, personas, households):
    assert list_rows.page(personas["erin"], LIST, {"q": "02201000003"}, key=lambda h: h.number) == []


def test_the_household_page_shows_the_national_number(client, personas, households):
    client.force_login(personas["carol"])
    html = client.get(reverse("registry:household_detail", args=[households["a"].pk])).content.decode()
    assert "National household number" in html and "433122102201000003" in html
    html = client.get(reverse("registry:household_detail", args=[households["plain"].pk])).content.decode()
    assert "National household number" not in html
