"""The pending-steps queue, scoped to the user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.tests.factories import make_case
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


def case_in(village: str, number: str, **kw):
    return make_case(make_household(village, number, wage="6000"), **kw)


def test_queue_lists_the_users_level_steps_soonest_first_with_overdue_marked(client, personas):
    today = timezone.localdate()
    late = case_in(VILLAGE_A1, "A1-LATE", first_clue_date=today - timedelta(days=20), today=today - timedelta(days=20))
    fresh = case_in(VILLAGE_A1, "A1-FRESH")
    case_in(VILLAGE_A2, "A2-CASE")
    case_in(VILLAGE_B1, "B1-CASE")
    client.force_login(personas["alice"])
    response = client.get(reverse("cases:queue"))
    html = response.content.decode()
    assert [row["case"].pk for row in response.context["rows"]] == [late.pk, fresh.pk]
    assert "A2-CASE" not in html and "B1-CASE" not in html
    assert "Home verification" in html and "Information comparison" not in html  # the village's own steps
    assert 'class="overdue"' in html and "days overdue" in html and "1 step is overdue." in html
    # The township's queue holds the comparisons of its villages, not another township's.
    client.force_login(personas["carol"])
    response = client.get(reverse("cases:queue"))
    numbers = {row["case"].household.number for row in response.context["rows"]}
    assert numbers == {"A1-LATE", "A1-FRESH", "A2-CASE"}
    assert {row["step"].code for row in response.context["rows"]} == {"compare"}


def test_leader_has_no_pending_steps(client, personas):
    case_in(VILLAGE_A1, "A1-CASE")
    client.force_login(personas["grace"])
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200 and response.context["rows"] == []
    assert "Your role does not act on case procedures." in response.content.decode()
