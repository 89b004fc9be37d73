"""The consistency-problem list, scoped to the user."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.cases.models import CaseStatus
from shouwang.cases.tests.factories import make_case
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


def case_in(village: str, number: str, **kw):
    return make_case(make_household(village, number, wage="6000"), **kw)


def test_problem_list_shows_each_scoped_case_breaking_a_rule(client, personas):
    # Monitored, able to work, illness risk, no measures: no development measure, no health measure.
    broken = case_in(VILLAGE_A1, "A1-BROKEN", status=CaseStatus.MONITORED, risk_codes=("YB",))
    case_in(VILLAGE_B1, "B1-BROKEN", status=CaseStatus.MONITORED, risk_codes=("YB",))
    client.force_login(personas["carol"])
    response = client.get(reverse("cases:problems"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "A1-BROKEN" in html and "B1-BROKEN" not in html
    codes = {row["problem"].code for row in response.context["rows"]}
    assert {"labour_without_development", "illness_without_health"} <= codes
    assert all(row["case"].pk == broken.pk for row in response.context["rows"])
    only = client.get(reverse("cases:problems"), {"check": "illness_without_health"})
    assert {row["problem"].code for row in only.context["rows"]} == {"illness_without_health"}
    # The case's own page lists the same problems.
    page = client.get(reverse("cases:case_detail", args=[broken.pk])).content.decode()
    assert 'data-problem="illness_without_health"' in page


def test_problem_list_is_empty_where_every_case_is_consistent(client, personas):
    case_in(VILLAGE_A1, "A1-NEW")  # still being identified: no rule applies yet
    client.force_login(personas["alice"])
    response = client.get(reverse("cases:problems"))
    assert response.context["rows"] == [] and "No case breaks a rule." in response.content.decode()
