"""The household pages, read by each persona: scope, masking, searches, unmasking, query counts.

Households: two in village A1, one in A2 (both township A) and one in B1 (township B).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import AccessLog
from shouwang.registry.models import Household, HouseholdYear
from shouwang.registry.tests.factories import make_household

FULL_ID = re.compile(rb"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
FULL_PHONE = re.compile(rb"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
LIST = reverse("registry:household_list")


def detail_url(household: Household) -> str:
    return reverse("registry:household_detail", args=[household.pk])


def unmask_url(household: Household) -> str:
    return reverse("registry:household_unmask", args=[household.pk])


def assert_nothing_in_clear(content: bytes) -> None:
    assert not FULL_ID.search(content), FULL_ID.search(content)
    assert not FULL_PHONE.search(content), FULL_PHONE.search(content)


@pytest.fixture
def households(personas):
    return {
        "a1": make_household(VILLAGE_A1, members=3, wage="36000"),
        "a1b": make_household(VILLAGE_A1, members=2, household_type="ex_poor"),
        "a2": make_household(VILLAGE_A2, members=2),
        "b1": make_household(VILLAGE_B1, members=4),
    }


def login(client, personas, name: str):
    client.force_login(personas[name])
    return client


def listed_numbers(response) -> set[str]:
    page = response.context["page"]
    return {h.number for h in page.object_list}


# --- scope ---------------------------------------------------------------------------------------


def test_village_cadre_lists_and_counts_only_own_village(client, personas, households):
    response = login(client, personas, "alice").get(LIST)
    assert response.status_code == 200
    assert listed_numbers(response) == {households["a1"].number, households["a1b"].number}
    assert response.context["paginator"].count == 2
    for other in ("a2", "b1"):
        assert households[other].number.encode() not in response.content


def test_village_cadre_cannot_open_other_village_household(client, personas, households):
    login(client, personas, "alice")
    assert client.get(detail_url(households["a1"])).status_code == 200
    assert client.get(detail_url(households["a2"])).status_code == 404
    assert client.get(detail_url(households["b1"])).status_code == 404
    login(client, personas, "judy")
    assert client.get(detail_url(households["b1"])).status_code == 200
    assert client.get(detail_url(households["a1"])).status_code == 404


def test_township_officer_sees_whole_township_and_nothing_outside(client, personas, households):
    response = login(client, personas, "carol").get(LIST)
    assert listed_numbers(response) == {households[k].number for k in ("a1", "a1b", "a2")}
    assert response.context["paginator"].count == 3
    assert client.get(detail_url(households["a2"])).status_code == 200
    assert client.get(detail_url(households["b1"])).status_code == 404

    response = login(client, personas, "dave").get(LIST)
    assert listed_numbers(response) == {households["b1"].number}
    assert client.get(detail_url(households["a1"])).status_code == 404


def test_county_officer_and_leader_see_every_household(client, personas, households):
    for name in ("erin", "grace"):
        response = login(client, personas, name).get(LIST)
        assert response.context["paginator"].count == 4


def test_department_officer_sees_no_households(client, personas, households):
    response = login(client, personas, "ivan").get(LIST)
    assert response.status_code == 200
    assert response.context["paginator"].count == 0
    for household in households.values():
        assert household.number.encode() not in response.content
        assert client.get(detail_url(household)).status_code == 404


def test_anonymous_user_is_sent_to_login(client, households):
    for url in (LIST, detail_url(households["a1"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- filters and searches ------------------------------------------------------------------------


def test_region_selects_offer_only_regions_in_scope(client, personas, households):
    response = login(client, personas, "carol").get(LIST)
    form = response.context["filter_form"]
    village = form.fields["village"]
    assert village.valid_value(VILLAGE_A1) and village.valid_value(VILLAGE_A2)
    assert not village.valid_value(VILLAGE_B1) and not form.fields["township"].valid_value(VILLAGE_B1[:9])
    assert VILLAGE_B1.encode() not in response.content

    response = login(client, personas, "alice").get(LIST)
    assert VILLAGE_A2.encode() not in response.content and VILLAGE_B1.encode() not in response.content


def test_filter_by_village_township_and_type(client, personas, households):
    login(client, personas, "erin")
    response = client.get(LIST, {"village": VILLAGE_A2})
    assert listed_numbers(response) == {households["a2"].number}
    response = client.get(LIST, {"township": VILLAGE_B1[:9]})
    assert listed_numbers(response) == {households["b1"].number}
    response = client.get(LIST, {"household_type": "ex_poor"})
    assert listed_numbers(response) == {households["a1b"].number}


def test_filter_by_village_outside_scope_finds_nothing(client, personas, households):
    response = login(client, personas, "alice").get(LIST, {"village": VILLAGE_B1})
    assert response.context["paginator"].count == 0
    assert households["b1"].number.encode() not in response.content


def test_search_by_household_number_name_and_last_id_digits(client, personas, households):
    login(client, personas, "carol")
    target = households["a2"]
    member = target.members.order_by("pk").last()
    assert listed_numbers(client.get(LIST, {"q": target.number})) == {target.number}
    assert listed_numbers(client.get(LIST, {"q": member.name})) == {target.number}
    tail = member.id_masked[-4:]
    assert target.number in listed_numbers(client.get(LIST, {"q": tail}))


def test_search_by_last_id_digits_does_not_reach_outside_scope(client, personas, households):
    tail = households["b1"].members.first().id_masked[-4:]
    response = login(client, personas, "alice").get(LIST, {"q": tail})
    assert households["b1"].number not in listed_numbers(response)
    response = login(client, personas, "dave").get(LIST, {"q": tail})
    assert households["b1"].number in listed_numbers(response)


def test_full_id_number_in_a_get_search_is_refused(client, personas, households):
    number = households["a1"].members.first().id_number
    response = login(client, personas, "alice").get(LIST, {"q": number, "household_type": "ex_poor"})
    assert response.status_code == 302
    assert number not in response["Location"] and "household_type=ex_poor" in response["Location"]
    page = client.get(response["Location"])
    assert number.encode() not in page.content
    assert [m.level_tag for m in page.context["messages"]] == ["warning"]
    assert not AccessLog.objects.filter(action="search_id").exists()


def test_full_id_search_by_post_finds_household_and_is_logged(client, personas, households):
    member = households["a2"].members.first()
    login(client, personas, "carol")
    response = client.post(LIST, {"id_number": member.id_number.lower()})
    assert response.status_code == 200
    found = response.context["id_search"]["households"]
    assert [h.number for h in found] == [households["a2"].number]
    assert member.id_number.encode() not in response.content
    assert member.id_masked.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    entry = AccessLog.objects.get(action="search_id")
    assert entry.username == "carol" and entry.detail["results"] == 1
    assert member.id_number not in str(entry.detail) + entry.reason + entry.object_repr


def test_full_id_search_finds_nothing_outside_scope(client, personas, households):
    member = households["b1"].members.first()
    response = login(client, personas, "alice").post(LIST, {"id_number": member.id_number})
    assert response.context["id_search"]["households"] == []
    assert households["b1"].number.encode() not in response.content
    assert member.id_number.encode() not in response.content
    assert AccessLog.objects.filter(action="search_id", username="alice").count() == 1


def test_invalid_id_number_search_explains_and_never_echoes_the_number(client, personas, households):
    number = households["a1"].members.first().id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = login(client, personas, "alice").post(LIST, {"id_number": wrong})
    assert response.status_code == 200
    assert response.context["id_form"].errors["id_number"]
    assert wrong.encode() not in response.content
    assert not AccessLog.objects.filter(action="search_id").exists()


# --- paging and query counts ---------------------------------------------------------------------


def test_list_pages_by_fifty_with_a_total(client, personas, regions):
    for _ in range(53):
        make_household(VILLAGE_A1, members=1, year=None)
    login(client, personas, "alice")
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 50
    assert first.context["paginator"].count == 53
    assert b"53" in first.content
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 3
    assert not set(listed_numbers(first)) & set(listed_numbers(second))


def test_list_columns_head_members_and_latest_income(client, personas, regions):
    household = make_household(VILLAGE_A1, members=3, year=2022, wage="9000")
    HouseholdYear.objects.create(household=household, year=2023, member_count=3, wage_income=Decimal("36000"))
    response = login(client, personas, "alice").get(LIST)
    row = next(h for h in response.context["page"].object_list if h.pk == household.pk)
    assert row.head_name == household.members.order_by("pk").first().name
    assert row.member_total == 3
    assert row.latest_year == 2023
    assert row.latest_per_capita == Decimal("12000.00")


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


def test_household_list_query_count_does_not_grow_with_rows(
    client, personas, regions, django_assert_max_num_queries,
):
    for _ in range(3):
        make_household(VILLAGE_A1, members=3)
    login(client, personas, "carol")
    few = _list_queries(client)
    for _ in range(20):
        make_household(VILLAGE_A2, members=4)
    many = _list_queries(client)
    assert many == few
    with django_assert_max_num_queries(8):
        client.get(LIST)


def test_household_detail_query_count_does_not_grow_with_members(
    client, personas, regions, django_assert_max_num_queries,
):
    small = make_household(VILLAGE_A1, members=1)
    big = make_household(VILLAGE_A1, members=6)
    login(client, personas, "alice")
    with CaptureQueriesContext(connection) as few:
        client.get(detail_url(small))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(detail_url(big))


# --- the household page and masking --------------------------------------------------------------


def test_household_page_shows_members_masked_and_income_by_year(client, personas, households):
    household = households["a1"]
    response = login(client, personas, "alice").get(detail_url(household))
    assert response.status_code == 200
    for member in household.members.all():
        assert member.name.encode() in response.content
        assert member.id_masked.encode() in response.content
        assert member.phone_masked.encode() in response.content
        assert member.id_number.encode() not in response.content
        assert member.phone.encode() not in response.content
    assert b"12,000.00" in response.content or b"12000.00" in response.content  # 36000 / 3
    assert_nothing_in_clear(response.content)


@pytest.mark.parametrize("name", ["alice", "bob", "judy", "carol", "dave", "grace", "heidi", "ivan"])
def test_no_page_shows_a_full_id_or_phone_to_users_without_unmask(client, personas, households, name):
    user = personas[name]
    assert not user.can_unmask
    login(client, personas, name)
    pages = [reverse("web:home"), LIST, LIST + "?q=1"]
    pages += [detail_url(h) for h in households.values()]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_nothing_in_clear(response.content)
    # Searching by a real ID number does not show it back either.
    response = client.post(LIST, {"id_number": households["a1"].members.first().id_number})
    assert_nothing_in_clear(response.content)


# --- unmasking -----------------------------------------------------------------------------------


def test_unmask_form_is_offered_only_to_users_with_the_permission(client, personas, households):
    response = login(client, personas, "erin").get(detail_url(households["a1"]))
    assert unmask_url(households["a1"]).encode() in response.content
    response = login(client, personas, "alice").get(detail_url(households["a1"]))
    assert unmask_url(households["a1"]).encode() not in response.content


def test_unmask_without_permission_is_forbidden_and_not_logged(client, personas, households):
    response = login(client, personas, "alice").post(unmask_url(households["a1"]), {"reason": "家访核实"})
    assert response.status_code == 403
    assert_nothing_in_clear(response.content)
    assert not AccessLog.objects.filter(action="unmask").exists()


def test_unmask_needs_a_reason(client, personas, households):
    login(client, personas, "erin")
    for data in ({}, {"reason": "   "}):
        response = client.post(unmask_url(households["a1"]), data)
        assert response.status_code == 400
        assert response.context["unmask_form"].errors
        assert_nothing_in_clear(response.content)
    assert not AccessLog.objects.filter(action="unmask").exists()


def test_unmask_with_reason_shows_clear_numbers_and_writes_one_access_log_row(client, personas, households):
    household = households["a2"]
    response = login(client, personas, "erin").post(unmask_url(household), {"reason": "核对医保报销"})
    assert response.status_code == 200
    for member in household.members.all():
        assert member.id_number.encode() in response.content
        assert member.phone.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    entry = AccessLog.objects.get(action="unmask")
    assert (entry.username, entry.object_type, entry.object_id) == ("erin", "household", str(household.pk))
    assert entry.region_code == household.region_code
    assert entry.fields == "id_number,phone"
    assert entry.reason == "核对医保报销"
    # The next ordinary view is masked again.
    assert_nothing_in_clear(client.get(detail_url(household)).content)


def test_unmask_by_get_reveals_nothing(client, personas, households):
    household = households["a1"]
    response = login(client, personas, "erin").get(unmask_url(household))
    assert response.status_code == 302
    assert response["Location"] == detail_url(household)
    assert_nothing_in_clear(response.content)
    assert not AccessLog.objects.filter(action="unmask").exists()


def test_unmask_outside_scope_is_404_even_with_the_permission(client, personas, households):
    from django.contrib.auth.models import Permission

    carol = personas["carol"]
    carol.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    carol = type(carol).objects.get(pk=carol.pk)
    client.force_login(carol)
    assert client.post(unmask_url(households["b1"]), {"reason": "核实"}).status_code == 404
    assert client.post(unmask_url(households["a1"]), {"reason": "核实"}).status_code == 200
    assert AccessLog.objects.filter(action="unmask").count() == 1


def test_member_factory_numbers_are_real_clear_values():
    """Guard for the regexes above: factory IDs and phones have the shapes they look for."""
    assert FULL_ID.search(b"x433122197001010013y") and FULL_PHONE.search(b" 13800010000 ")
    assert not FULL_PHONE.search(b"433122102201")

