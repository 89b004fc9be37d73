"""The reconciliation list: by region, filtered, resolved with a note, exported as listed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.takeover import services
from shouwang.supervision.takeover.models import ReconciliationItem

pytestmark = pytest.mark.django_db
LIST = reverse("supervision:takeover_reconciliation")


def _item(village: str, number: str, field: str = "status", batch: str = "nat-1", **values) -> ReconciliationItem:
    household = make_household(village, number, national_number=f"N{number}")
    return ReconciliationItem.objects.create(
        household=household, region_code=household.region_code, batch=batch, file_name="监测对象信息.xlsx", row=4,
        field=field, national_value=values.get("national", "风险未消除"), shouwang_value=values.get("ours", "已消除"),
    )


@pytest.fixture
def items(personas):
    return {
        "a1": _item(VILLAGE_A1, "A1-0001"),
        "a1_category": _item(VILLAGE_A1, "A1-0002", field="category", batch="nat-2", national="边缘易致贫户",
                             ours="脱贫不稳定户"),
        "a2": _item(VILLAGE_A2, "A2-0001"),
        "b1": _item(VILLAGE_B1, "B1-0001"),
    }


def listed(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return sorted(item.household.number for item in response.context["page"].paginator.object_list)


@pytest.mark.parametrize(("name", "expected"), [
    ("alice", ["A1-0001", "A1-0002"]),
    ("judy", ["B1-0001"]),
    ("carol", ["A1-0001", "A1-0002", "A2-0001"]),
    ("erin", ["A1-0001", "A1-0002", "A2-0001", "B1-0001"]),
    ("grace", ["A1-0001", "A1-0002", "A2-0001", "B1-0001"]),
])
def test_each_user_sees_the_items_of_their_region(client, personas, items, name, expected):
    assert listed(client, personas[name]) == expected


def test_users_without_view_are_refused(client, personas, items):
    client.force_login(personas["ivan"])
    assert client.get(LIST).status_code == 403


def test_open_items_by_default_and_the_filters(client, personas, items):
    erin = personas["erin"]
    services.resolve_item(erin, items["a2"], "已在国家系统更正")
    assert listed(client, erin) == ["A1-0001", "A1-0002", "B1-0001"]
    assert listed(client, erin, status="resolved") == ["A2-0001"]
    assert listed(client, erin, status="all") == ["A1-0001", "A1-0002", "A2-0001", "B1-0001"]
    assert listed(client, erin, field="category") == ["A1-0002"]
    assert listed(client, erin, batch="nat-2") == ["A1-0002"]
    assert listed(client, erin, village=VILLAGE_B1) == ["B1-0001"]
    assert listed(client, erin, township=TOWNSHIP_A, status="all") == ["A1-0001", "A1-0002", "A2-0001"]
    # A region outside one's own matches nothing, it never widens the list.
    assert listed(client, personas["carol"], village=VILLAGE_B1) == []


def test_the_page_shows_both_values_and_links_the_household(client, personas, items):
    client.force_login(personas["carol"])
    html = client.get(LIST, {"field": "category"}).content.decode()
    household = items["a1_category"].household
    assert reverse("registry:household_detail", args=[household.pk]) in html
    assert "边缘易致贫户" in html and "脱贫不稳定户" in html and "Monitoring category" in html
    assert 'name="note"' in html  # a township officer may resolve


def test_a_village_cadre_reads_but_does_not_resolve(client, personas, items):
    client.force_login(personas["alice"])
    assert 'name="note"' not in client.get(LIST).content.decode()
    response = client.post(reverse("supervision:takeover_resolve", args=[items["a1"].pk]), {"note": "看过了"})
    assert response.status_code == 403
    assert ReconciliationItem.objects.open().filter(pk=items["a1"].pk).exists()


def test_resolving_with_a_note(client, personas, items):
    carol = personas["carol"]
    client.force_login(carol)
    url = reverse("supervision:takeover_resolve", args=[items["a1"].pk])
    response = client.post(url, {"note": "已在国家系统更正", "next": f"{LIST}?field=status"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?field=status"
    item = ReconciliationItem.objects.get(pk=items["a1"].pk)
    assert item.resolved_by == carol and item.resolved_at is not None and item.note == "已在国家系统更正"
    entry = ChangeLog.objects.get(object_type="supervision.reconciliationitem")
    assert entry.user == carol and entry.region_code == VILLAGE_A1 and entry.after["note"] == "已在国家系统更正"
    # Resolved once: a second time is refused and changes nothing.
    client.post(url, {"note": "again"})
    item.refresh_from_db()
    assert item.note == "已在国家系统更正"


def test_a_note_is_required(client, personas, items):
    client.force_login(personas["carol"])
    response = client.post(reverse("supervision:takeover_resolve", args=[items["a1"].pk]), {"note": "  "},
                           follow=True)
    assert "the note is required" in response.content.decode()
    assert ReconciliationItem.objects.open().filter(pk=items["a1"].pk).exists()
    with pytest.raises(ValidationError):
        services.resolve_item(personas["carol"], items["a1"], "")


def test_an_item_outside_ones_region_cannot_be_resolved(client, personas, items):
    client.force_login(personas["carol"])
    response = client.post(reverse("supervision:takeover_resolve", args=[items["b1"].pk]), {"note": "x"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.resolve_item(personas["carol"], items["b1"], "x")
    assert ReconciliationItem.objects.open().filter(pk=items["b1"].pk).exists()


@pytest.mark.parametrize("name", ["carol", "erin"])
def test_the_export_lists_what_the_page_lists(list_rows, personas, items, name):
    services.resolve_item(personas["erin"], items["a1"], "已更正")
    for params in ({}, {"status": "all"}, {"status": "resolved"}, {"field": "category"}, {"batch": "nat-1"}):
        page = list_rows.page(personas[name], LIST, params, key=lambda item: item.household.number)
        export = list_rows.export(personas[name], "national_reconciliation", params, column="户编号")
        assert page == export, params
