"""Project assets: the income distribution adds up, disposal needs the county, ledgers by class, scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from conftest import COUNTY, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.revitalization.assets import services
from shouwang.revitalization.assets.models import (
    AssetClass,
    AssetDisposal,
    AssetIncome,
    AssetStatus,
    DisposalStatus,
)
from shouwang.revitalization.assets.services import Distribution

from .factories import make_asset

pytestmark = pytest.mark.django_db
D = Decimal


# --- income and its distribution --------------------------------------------------------------------


def test_income_distribution_within_income_is_recorded_and_sums_correctly(personas):
    asset = make_asset(VILLAGE_A1)
    other = make_asset(VILLAGE_A2)
    alice, carol = personas["alice"], personas["carol"]
    services.record_income(alice, asset, 2025, Distribution(D("50000"), D("20000"), D("12000.50"), D("8000")),
                           households_reached=40, monitored_reached=6)
    services.record_income(carol, other, 2025, Distribution(D("30000"), D("30000")))
    services.record_income(carol, other, 2024, Distribution(D("9999"), D("1")))  # another year
    row = AssetIncome.objects.get(asset=asset, year=2025)
    assert row.distributed == D("40000.50") and row.retained == D("9999.50")
    totals = services.income_totals(AssetIncome.objects.filter(region_code__startswith="433122102", year=2025))
    assert totals == {"income": D("80000"), "to_collective": D("50000"), "to_households": D("12000.50"),
                      "to_monitored": D("8000"), "retained": D("9999.50")}
    # The same as adding the rows up one by one.
    rows = list(AssetIncome.objects.filter(year=2025))
    assert totals["income"] == sum(r.income for r in rows)
    assert totals["retained"] == sum(r.retained for r in rows)


def test_distribution_above_the_income_is_refused_by_the_service_and_the_table(personas):
    asset = make_asset(VILLAGE_A1)
    with pytest.raises(services.AssetInvalid, match="more than the year's income"):
        services.record_income(personas["alice"], asset, 2025, Distribution(D("1000"), D("600"), D("300"), D("100.01")),
                               households_reached=3, monitored_reached=1)
    assert not AssetIncome.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetIncome.objects.create(asset=asset, year=2025, income=D("1000"), to_collective=D("1000"),
                                   to_households=D("0.01"))


def test_correcting_a_year_replaces_it_and_is_logged(personas):
    asset = make_asset(VILLAGE_A1)
    services.record_income(personas["alice"], asset, 2025, Distribution(D("1000"), D("500")))
    services.record_income(personas["alice"], asset, 2025, Distribution(D("1200"), D("700")))
    assert AssetIncome.objects.get(asset=asset).to_collective == D("700")
    entries = ChangeLog.objects.filter(object_type="revitalization.assetincome").order_by("seq")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries.last().before["income"] == "1000.00"


def test_the_income_page_refuses_an_excess_with_a_message(client, personas):
    asset = make_asset(VILLAGE_A1)
    client.force_login(personas["alice"])
    response = client.post(reverse("revitalization:asset_income", args=[asset.pk]), {
        "year": 2025, "income": "100", "to_collective": "80", "to_households": "30", "to_monitored": "0",
        "households_reached": 2, "monitored_reached": 0})
    assert response.status_code == 400
    assert "more than the year" in response.content.decode()
    assert not AssetIncome.objects.exists()


def test_only_keepers_of_the_region_record(personas):
    asset = make_asset(VILLAGE_B1)
    with pytest.raises(PermissionDenied):
        services.record_income(personas["alice"], asset, 2025, Distribution(D("1")))
    with pytest.raises(PermissionDenied):
        services.record_income(personas["grace"], asset, 2025, Distribution(D("1")))  # a leader reads only


# --- disposal ---------------------------------------------------------------------------------------


def test_disposal_is_requested_below_and_approved_only_at_county_level(personas):
    asset = make_asset(VILLAGE_A1)
    disposal = services.request_disposal(personas["carol"], asset, kind="scrap", reason="厂房年久失修")
    with pytest.raises(services.AssetNotAllowed):
        services.request_disposal(personas["alice"], asset, kind="scrap", reason="again")
    for persona in ("alice", "carol", "frank", "grace"):  # village, township, county admin, leader
        with pytest.raises(PermissionDenied):
            services.decide_disposal(personas[persona], disposal, approve=True)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_USE
    services.decide_disposal(personas["erin"], disposal, approve=True, note="同意报废")
    asset.refresh_from_db()
    disposal.refresh_from_db()
    assert (disposal.status, disposal.decided_by, asset.status) == (
        DisposalStatus.APPROVED, personas["erin"], AssetStatus.DISPOSED)
    with pytest.raises(services.AssetNotAllowed):
        services.decide_disposal(personas["erin"], disposal, approve=False, note="late")
    with pytest.raises(services.AssetNotAllowed):
        services.request_disposal(personas["carol"], asset, kind="auction", reason="disposed already")


def test_a_refusal_needs_a_reason_and_keeps_the_asset(personas):
    asset = make_asset(VILLAGE_A1)
    disposal = services.request_disposal(personas["alice"], asset, kind="transfer", reason="转让")
    with pytest.raises(services.AssetInvalid):
        services.decide_disposal(personas["erin"], disposal, approve=False)
    services.decide_disposal(personas["erin"], disposal, approve=False, note="资产仍在使用")
    asset.refresh_from_db()
    assert asset.status == AssetStatus.IN_USE
    assert AssetDisposal.objects.get().status == DisposalStatus.REFUSED


def test_another_county_officer_cannot_approve(personas):
    from conftest import _user

    asset = make_asset(VILLAGE_A1)
    disposal = services.request_disposal(personas["alice"], asset, kind="scrap", reason="损坏")
    from shouwang.regions.models import Region

    Region.objects.create(code="433199", name="另一县", level="county", parent_code="4331")
    stranger = _user("olga", "county", "433199")
    with pytest.raises(PermissionDenied):
        services.decide_disposal(stranger, disposal, approve=True)


def test_decision_page_by_a_township_is_refused(client, personas):
    asset = make_asset(VILLAGE_A1)
    disposal = services.request_disposal(personas["alice"], asset, kind="scrap", reason="损坏")
    client.force_login(personas["carol"])
    response = client.post(reverse("revitalization:asset_decide", args=[disposal.pk]), {"decision": "approve"})
    assert response.status_code == 403
    client.force_login(personas["erin"])
    response = client.post(reverse("revitalization:asset_decide", args=[disposal.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert AssetDisposal.objects.get().status == DisposalStatus.APPROVED


# --- ledgers ------------------------------------------------------------------------------------------


def _ledger_numbers(client, user, asset_class, **params):
    client.force_login(user)
    response = client.get(reverse("revitalization:asset_ledger", args=[asset_class]), params)
    assert response.status_code == 200
    return sorted(a.number for a in response.context["page"].object_list)


def test_each_ledger_lists_its_class_only_and_in_scope(client, personas):
    operating = make_asset(VILLAGE_A1, AssetClass.OPERATING, number="OP-1")
    public = make_asset(VILLAGE_A1, AssetClass.PUBLIC, number="PU-1")
    given = make_asset(VILLAGE_A2, AssetClass.HOUSEHOLD, number="HH-1")
    make_asset(VILLAGE_B1, AssetClass.OPERATING, number="OP-B")
    assert _ledger_numbers(client, personas["carol"], "operating") == [operating.number]
    assert _ledger_numbers(client, personas["carol"], "public") == [public.number]
    assert _ledger_numbers(client, personas["carol"], "household") == [given.number]
    assert _ledger_numbers(client, personas["erin"], "operating") == ["OP-1", "OP-B"]
    assert _ledger_numbers(client, personas["alice"], "household") == []  # A2's asset, not A1's
    assert _ledger_numbers(client, personas["erin"], "operating", region=VILLAGE_B1) == ["OP-B"]
    client.force_login(personas["erin"])
    assert client.get(reverse("revitalization:asset_ledger", args=["nonsense"])).status_code == 404


# --- scope ----------------------------------------------------------------------------------------------


def test_an_asset_outside_the_region_answers_404(client, personas):
    asset = make_asset(VILLAGE_B1)
    client.force_login(personas["alice"])
    assert client.get(reverse("revitalization:asset_detail", args=[asset.pk])).status_code == 404
    client.force_login(personas["judy"])
    assert client.get(reverse("revitalization:asset_detail", args=[asset.pk])).status_code == 200


def test_the_api_lists_the_region_only(client, personas):
    make_asset(VILLAGE_A1, number="A-1")
    make_asset(VILLAGE_B1, number="B-1")
    client.force_login(personas["carol"])
    data = client.get("/api/revitalization/assets/").json()
    assert [r["number"] for r in data["results"]] == ["A-1"]
    client.force_login(personas["erin"])
    data = client.get("/api/revitalization/assets/", {"asset_class": "operating", "region": VILLAGE_B1}).json()
    assert [r["number"] for r in data["results"]] == ["B-1"]


def test_recording_an_asset_from_its_project(personas, client):
    from shouwang.revitalization.projects.models import Project

    project = Project.objects.create(year=2025, name="茶叶加工厂", village_id=VILLAGE_A1, goal="industry",
                                     category="industry")
    client.force_login(personas["carol"])
    response = client.post(reverse("revitalization:asset_new"), {
        "number": "ZC-NEW", "name": "茶叶加工厂房", "asset_class": "operating", "region": VILLAGE_A1,
        "project": project.pk, "value": "350000", "owner": "村集体", "status": "in_use"})
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = project.assets.get()
    assert (asset.region_code, asset.value) == (VILLAGE_A1, D("350000"))
    assert ChangeLog.objects.filter(object_type="revitalization.asset", object_id=str(asset.pk)).exists()
    assert COUNTY  # the county officer's region holds it


def test_correcting_an_asset_is_scoped_checked_and_logged(client, personas):
    asset = make_asset(VILLAGE_A1, number="FIX-1", value="1000")
    make_asset(VILLAGE_A1, number="TAKEN")
    client.force_login(personas["alice"])
    url = reverse("revitalization:asset_edit", args=[asset.pk])
    form = {"number": "FIX-1", "name": asset.name, "asset_class": "operating", "region": VILLAGE_A1,
            "value": "2500", "owner": asset.owner, "status": "in_use"}
    assert client.post(url, {**form, "number": "TAKEN"}).status_code == 400
    assert client.post(url, {**form, "region": VILLAGE_B1}).status_code == 400  # not a region of hers
    assert client.post(url, form).status_code == 302
    asset.refresh_from_db()
    assert asset.value == D("2500") and asset.number == "FIX-1"
    entry = ChangeLog.objects.filter(object_type="revitalization.asset", action="update").get()
    assert (entry.before, entry.after) == ({"value": "1000.00"}, {"value": "2500"})
    client.force_login(personas["judy"])
    assert client.get(url).status_code == 404
