"""The queue as a cadre uses it: the head of household on every row, a search by name, household
number or the last digits of an ID number, and villages named with their township."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.tests.warning_helpers import make_warning
from shouwang.monitoring.warnings.filters import WarningFilter
from shouwang.regions.models import Region
from shouwang.registry.models import Member, Relation

LIST, API = reverse("monitoring:warning_list"), "/api/warnings/"


@pytest.fixture
def queue(regions):
    warnings = {
        "a1": make_warning(VILLAGE_A1, number="A1-0001"),
        "a2": make_warning(VILLAGE_A2, number="A2-0002"),
        "b1": make_warning(VILLAGE_B1, number="B1-0003"),
    }
    # Distinct names, so a search for one cannot match another by accident.
    for key, name in (("a1", "张三丰"), ("a2", "李四光"), ("b1", "王五常")):
        Member.objects.filter(household=warnings[key].household, relation=Relation.HEAD).update(name=name)
    return warnings


def heads(response) -> list[str]:
    return sorted(w.head_name for w in response.context["page"].object_list)


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_queue_shows_the_head_of_household_and_the_township(personas, queue):
    response = login(personas["erin"]).get(LIST)
    body = response.content.decode()
    assert heads(response) == ["张三丰", "李四光", "王五常"]
    township = Region.objects.get(code=TOWNSHIP_A).name
    village = Region.objects.get(code=VILLAGE_A1).name
    assert "张三丰" in body and f"{township} · {village}" in body
    assert 'data-label="Head of household"' in body  # the label each card line shows on a phone
    api = login(personas["erin"]).get(API).json()["results"]
    assert sorted(row["head_name"] for row in api) == ["张三丰", "李四光", "王五常"]


@pytest.mark.parametrize("user", ["erin", "carol"])
def test_the_queue_finds_a_household_by_name_number_and_id_suffix(list_rows, personas, queue, user):
    household = queue["a1"].household
    id_suffix = Member.objects.get(household=household, relation=Relation.HEAD).id_masked[-4:]
    for q in ("张三", "三丰", "A1-0001", "a1-00", id_suffix):
        params = {"q": q}
        page = list_rows.page(personas[user], LIST, params, key=lambda w: w.household.number)
        api = list_rows.api(personas[user], API, params, key="household_number")
        export = list_rows.export(personas[user], "warnings", params, column="户编号")
        assert "A1-0001" in page and page == api == export, q
    assert list_rows.page(personas[user], LIST, {"q": "王五常"}, key=lambda w: w.household.number) == (
        ["B1-0003"] if user == "erin" else []  # outside the township officer's region
    )
    assert list_rows.page(personas[user], LIST, {"q": "没有这个人"}, key=lambda w: w.household.number) == []


def test_a_whole_id_number_never_stays_in_the_address(personas, queue):
    member = Member.objects.get(household=queue["a1"].household, relation=Relation.HEAD)
    response = login(personas["erin"]).get(LIST, {"q": member.id_number, "status": "all"})
    assert response.status_code == 302 and member.id_number not in response["Location"]
    assert response["Location"] == f"{LIST}?status=all"


def test_the_village_picker_names_each_village_with_its_township(personas, queue):
    form = WarningFilter.for_page({}, queue["a1"].__class__.objects.none(), personas["erin"]).form
    labels = dict(form.fields["village"].choices)
    township = Region.objects.get(code=TOWNSHIP_A).name
    assert labels[VILLAGE_A1] == f"{township} · {Region.objects.get(code=VILLAGE_A1).name}"
    assert labels[VILLAGE_B1].endswith(f" · {Region.objects.get(code=VILLAGE_B1).name}")
    assert len(set(labels.values())) == len(labels)  # no two villages look alike


def test_a_warning_names_the_head_and_offers_the_phone_to_call(personas, queue):
    warning = queue["a1"]
    call = reverse("registry:household_phones", args=[warning.household_id])
    page = login(personas["alice"]).get(reverse("monitoring:warning_detail", args=[warning.pk])).content.decode()
    assert "张三丰" in page and call in page
    leader = login(personas["grace"]).get(reverse("monitoring:warning_detail", args=[warning.pk])).content.decode()
    assert "张三丰" in leader and call not in leader  # a leader reads the warning but does not call
