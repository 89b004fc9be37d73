"""A cadre's one-click phone reveal: in scope for village, township and county staff, logged, IDs masked."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import AccessLog
from shouwang.core.permissions import can
from shouwang.registry.households.services import reveal_phones
from shouwang.registry.models import Household, Member
from shouwang.registry.tests.factories import make_household

from .test_pages import FULL_ID, assert_nothing_in_clear, detail_url


def phones_url(household: Household) -> str:
    return reverse("registry:household_phones", args=[household.pk])


@pytest.fixture
def households(personas):
    return {"a1": make_household(VILLAGE_A1, members=3), "b1": make_household(VILLAGE_B1, members=2)}


@pytest.mark.parametrize("name", ["alice", "carol", "erin"])
def test_staff_of_the_region_see_full_phones_with_tel_links_and_the_reveal_is_logged(
    client, personas, households, name,
):
    household = households["a1"]
    client.force_login(personas[name])
    page = client.get(detail_url(household))
    assert_nothing_in_clear(page.content)
    assert phones_url(household).encode() in page.content  # the button is there

    response = client.post(phones_url(household))
    assert response.status_code == 200
    body = response.content.decode()
    for member in Member.objects.filter(household=household):
        assert member.phone and f'href="tel:{member.phone}"' in body
        assert member.id_masked in body
    assert not FULL_ID.search(response.content)  # ID numbers stay masked
    assert "no-store" in response["Cache-Control"]
    entry = AccessLog.objects.get(action="reveal_phone")
    assert entry.user == personas[name] and entry.object_id == str(household.pk)
    assert entry.fields == "phone" and entry.region_code == VILLAGE_A1 and entry.reason == ""
    assert entry.detail == {"members": 3}


def test_a_get_reveals_nothing_and_logs_nothing(client, personas, households):
    client.force_login(personas["alice"])
    response = client.get(phones_url(households["a1"]))
    assert response.status_code == 302 and response["Location"] == detail_url(households["a1"])
    assert not AccessLog.objects.filter(action="reveal_phone").exists()


@pytest.mark.parametrize("name", ["alice", "carol"])
def test_outside_the_region_the_household_is_not_found_and_nothing_is_logged(client, personas, households, name):
    client.force_login(personas[name])
    response = client.post(phones_url(households["b1"]))
    assert response.status_code == 404
    assert_nothing_in_clear(response.content)
    assert not AccessLog.objects.filter(action="reveal_phone").exists()
    with pytest.raises(PermissionDenied):
        reveal_phones(personas[name], households["b1"])


@pytest.mark.parametrize("name", ["frank", "grace", "heidi", "ivan"])
def test_roles_without_the_action_are_refused(client, personas, households, name):
    assert not can(personas[name], "registry.reveal_phone", households["a1"])
    client.force_login(personas[name])
    response = client.post(phones_url(households["a1"]))
    assert response.status_code == 403
    assert_nothing_in_clear(response.content)
    page = client.get(detail_url(households["a1"]))
    assert phones_url(households["a1"]).encode() not in page.content
    assert not AccessLog.objects.filter(action="reveal_phone").exists()
