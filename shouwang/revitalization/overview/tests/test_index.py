"""The revitalization start page lists a feature only to whom its action is allowed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, _user
from shouwang.core.permissions import can
from shouwang.revitalization.overview.sections import SECTIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["village", "township", "county", "department", "auditor"])
def test_each_section_shows_exactly_to_whom_its_action_is_allowed(client, regions, role):
    region = {"village": VILLAGE_A1, "township": TOWNSHIP_A}.get(role, COUNTY)
    user = _user(f"overview_{role}", role, region)
    client.force_login(user)
    page = client.get(reverse("revitalization:index")).content.decode()
    for section in SECTIONS:
        assert (reverse(section.url_name) in page) == can(user, section.action)


def test_every_section_opens_for_a_county_officer(client, regions):
    user = _user("overview_county", "county", COUNTY)
    client.force_login(user)
    for section in SECTIONS:
        assert client.get(reverse(section.url_name)).status_code == 200


def test_the_menu_links_the_start_page(client, regions):
    client.force_login(_user("overview_menu", "village", VILLAGE_A1))
    assert reverse("revitalization:index") in client.get(reverse("web:home")).content.decode()
