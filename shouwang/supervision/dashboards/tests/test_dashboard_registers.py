"""The revitalization registers' figures on the township and county dashboards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_B, VILLAGE_A1, VILLAGE_B1
from shouwang.revitalization.projects import services as projects
from shouwang.revitalization.projects.tests.test_projects import approved
from shouwang.supervision.dashboards.registers import register_rows

pytestmark = pytest.mark.django_db


def _figures(client, user, url=None) -> tuple[int, dict[str, str]]:
    client.force_login(user)
    response = client.get(url or reverse("supervision:dashboard"))
    assert response.status_code == 200
    return response.context["registers_year"], dict(response.context["registers"])


def test_the_county_and_each_township_see_their_own_projects_and_funds(client, personas):
    year, before = _figures(client, personas["erin"])
    assert before  # the county's dashboard has the section, even before any project
    a = approved(personas, VILLAGE_A1, year=year)
    projects.set_funds(a, personas["erin"], {"central": "300000"})
    b = approved(personas, VILLAGE_B1, year=year, category="employment", goal="prosperity")
    projects.set_funds(b, personas["erin"], {"county": "100000"})
    _year, county = _figures(client, personas["erin"])
    assert county == dict(register_rows("433122", year))
    assert "400,000.00" in county.values() and "2" in county.values()
    _year, township = _figures(client, personas["carol"])  # township A: only the project of A1
    assert "300,000.00" in township.values() and "400,000.00" not in township.values()
    assert township == dict(register_rows(VILLAGE_A1[:9], year))
    _year, other = _figures(client, personas["dave"])
    assert other == dict(register_rows(TOWNSHIP_B, year)) and "100,000.00" in other.values()


def test_a_village_dashboard_has_no_register_section(client, personas):
    client.force_login(personas["alice"])
    response = client.get(reverse("supervision:dashboard"))
    assert response.status_code == 200 and response.context["registers"] == []
