"""The monitoring API: lines (read; administrator writes), rules (read), warnings (list, detail, act).

Scoped like the pages: a warning outside the user's region is absent from lists and answers 404;
a refused action is 403 (role or region) or 409 (status), with the reason.
"""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.monitoring.models import MonitoringLine, Rule, Warning, WarningChannel, WarningStatus
from shouwang.monitoring.tests.warning_helpers import make_warning

pytestmark = pytest.mark.django_db

SEES = {
    "alice": {VILLAGE_A1}, "bob": {VILLAGE_A2}, "judy": {VILLAGE_B1},
    "carol": {VILLAGE_A1, VILLAGE_A2}, "dave": {VILLAGE_B1},
    "erin": {VILLAGE_A1, VILLAGE_A2, VILLAGE_B1}, "frank": {VILLAGE_A1, VILLAGE_A2, VILLAGE_B1},
    "grace": {VILLAGE_A1, VILLAGE_A2, VILLAGE_B1}, "heidi": {VILLAGE_A1, VILLAGE_A2, VILLAGE_B1}, "ivan": set(),
}


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def warnings(regions):
    return {v: make_warning(v, number=f"W-{v}", wage="6000") for v in (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1)}


@pytest.mark.parametrize("name", sorted(SEES))
def test_warning_list_and_detail_hold_only_the_personas_scope(personas, warnings, name):
    client = api(personas[name])
    data = client.get("/api/warnings/").json()
    assert data["count"] == len(SEES[name])
    assert {row["village_code"] for row in data["results"]} == SEES[name]
    for village, w in warnings.items():
        expected = 200 if village in SEES[name] else 404
        assert client.get(f"/api/warnings/{w.pk}/").status_code == expected


def test_warning_fields_evidence_and_actions(personas, warnings):
    w = warnings[VILLAGE_A1]
    row = api(personas["alice"]).get(f"/api/warnings/{w.pk}/").json()
    assert row["household_number"] == f"W-{VILLAGE_A1}" and row["rule_code"] == "DROPOUT"
    assert row["status"] == "new" and row["channel"] == "rule" and row["due_date"] == "2030-01-10"
    assert row["is_overdue"] is False and row["evidence"]["facts"] == {"dropout": True}
    assert row["actions"] == ["verify"] and row["transitions"] == []
    assert api(personas["erin"]).get(f"/api/warnings/{w.pk}/").json()["actions"] == []


def test_warnings_filters(personas, regions):
    make_warning(VILLAGE_A1, number="late", due=date(2020, 1, 1))
    make_warning(VILLAGE_A1, number="verifying", status=WarningStatus.VERIFYING, rule_code="HOUSING_UNSAFE")
    make_warning(VILLAGE_A2, number="closed", status=WarningStatus.DISMISSED)
    make_warning(VILLAGE_B1, number="report", rule_code=None, channel=WarningChannel.SELF_REPORT,
                 evidence={"difficulty": "illness", "id_number": "433122195001010011"})
    client = api(personas["erin"])

    def numbers(query: str) -> set[str]:
        return {r["household_number"] for r in client.get(f"/api/warnings/{query}").json()["results"]}

    assert numbers("") == {"late", "verifying", "closed", "report"}
    assert numbers("?status=open") == {"late", "verifying", "report"}
    assert numbers("?status=overdue") == {"late"}
    assert numbers("?status=dismissed") == {"closed"}
    assert numbers("?channel=self_report") == {"report"}
    assert numbers("?rule=HOUSING_UNSAFE") == {"verifying"}
    assert numbers(f"?village={VILLAGE_A2}") == {"closed"}
    assert numbers("?township=433122102") == {"late", "verifying", "closed"}
    assert numbers("?household=late") == {"late"}
    assert numbers("?due_before=2025-01-01") == {"late"}
    rows = client.get("/api/warnings/?status=overdue").json()["results"]
    assert rows[0]["is_overdue"] is True
    report = client.get("/api/warnings/?channel=self_report").json()["results"][0]
    assert report["rule_code"] is None and "id_number" not in report["evidence"]
    # Other villages stay out, whatever the filter says.
    assert {r["household_number"] for r in api(personas["alice"]).get(
        f"/api/warnings/?village={VILLAGE_B1}").json()["results"]} == set()


def test_act_through_the_api(personas, warnings):
    w = warnings[VILLAGE_A1]
    client = api(personas["alice"])
    response = client.post(f"/api/warnings/{w.pk}/actions/", {"action": "verify"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "verifying"
    assert response.json()["actions"] == ["dismiss", "escalate"]
    response = client.post(f"/api/warnings/{w.pk}/actions/", {"action": "escalate", "reason": "Major illness"},
                           format="json")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "escalated" and body["closed_by"] == "alice"
    assert [(t["from_status"], t["to_status"]) for t in body["transitions"]] == [
        ("new", "verifying"), ("verifying", "escalated"),
    ]
    assert ChangeLog.objects.filter(object_type="monitoring.warning", object_id=str(w.pk)).count() == 2


def test_act_in_the_wrong_status_is_409_with_the_reason(personas, warnings):
    w = warnings[VILLAGE_A1]
    client = api(personas["alice"])
    response = client.post(f"/api/warnings/{w.pk}/actions/", {"action": "dismiss", "reason": "x"}, format="json")
    assert response.status_code == 409 and "under verification" in response.json()["detail"]
    client.post(f"/api/warnings/{w.pk}/actions/", {"action": "verify"}, format="json")
    response = client.post(f"/api/warnings/{w.pk}/actions/", {"action": "verify"}, format="json")
    assert response.status_code == 409
    response = client.post(f"/api/warnings/{w.pk}/actions/", {"action": "dismiss"}, format="json")
    assert response.status_code == 400 and "reason is required" in response.json()["reason"][0]
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.VERIFYING


@pytest.mark.parametrize("name", ["erin", "frank", "grace", "heidi"])
def test_readers_are_refused_with_403(personas, warnings, name):
    w = warnings[VILLAGE_A1]
    response = api(personas[name]).post(f"/api/warnings/{w.pk}/actions/", {"action": "verify"}, format="json")
    assert response.status_code == 403 and "village and township" in response.json()["detail"]
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.NEW


@pytest.mark.parametrize("name", ["bob", "judy", "dave", "ivan"])
def test_acting_outside_ones_region_is_404(personas, warnings, name):
    w = warnings[VILLAGE_A1]
    response = api(personas[name]).post(f"/api/warnings/{w.pk}/actions/", {"action": "verify"}, format="json")
    assert response.status_code == 404
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.NEW


def test_an_unknown_action_is_400(personas, warnings):
    w = warnings[VILLAGE_A1]
    response = api(personas["alice"]).post(f"/api/warnings/{w.pk}/actions/", {"action": "approve"}, format="json")
    assert response.status_code == 400


def test_counts_by_township(personas, regions):
    make_warning(VILLAGE_A1, due=date(2020, 1, 1))
    make_warning(VILLAGE_B1, status=WarningStatus.DISMISSED)
    data = api(personas["erin"]).get("/api/warnings/counts/").json()
    rows = {r["code"]: r for r in data["rows"]}
    assert rows["433122102"]["new"] == 1 and rows["433122102"]["overdue"] == 1
    assert rows["433122104"]["dismissed"] == 1
    assert data["total"]["new"] == 1 and data["total"]["dismissed"] == 1
    assert api(personas["ivan"]).get("/api/warnings/counts/").json()["rows"] == []


def test_the_list_costs_a_fixed_number_of_queries(personas, regions, django_assert_max_num_queries):
    for _ in range(5):
        make_warning(VILLAGE_A1)
    client = api(personas["alice"])
    with django_assert_max_num_queries(4):
        assert client.get("/api/warnings/").json()["count"] == 5


# --- rules and lines --------------------------------------------------------------------------


def test_rules_are_read_only_with_versions(personas):
    client = api(personas["alice"])
    data = client.get("/api/rules/").json()
    codes = [r["code"] for r in data["results"]]
    assert "INCOME_BELOW_LINE" in codes and codes == sorted(codes)
    rule = Rule.objects.get(code="INCOME_DROP")
    detail = client.get(f"/api/rules/{rule.pk}/").json()
    assert detail["parameters"] == {"drop": 0.3, "line_multiple": 1.5}
    assert [v["version"] for v in detail["versions"]] == [1]
    assert client.post("/api/rules/", {"code": "X"}, format="json").status_code == 405
    assert api(personas["frank"]).patch(f"/api/rules/{rule.pk}/", {"active": False}, format="json").status_code == 405
    assert api(personas["ivan"]).get("/api/rules/").json()["count"] == 0


def test_lines_read_for_everyone_with_a_view_role(personas):
    data = api(personas["alice"]).get("/api/lines/").json()
    assert {(r["year"], r["region_code"], r["amount"]) for r in data["results"]} == {
        (2021, "", "6000.00"), (2023, "43", "7500.00"),
    }
    assert api(personas["ivan"]).get("/api/lines/").json()["count"] == 0


def test_administrator_writes_lines_through_the_api(personas):
    client = api(personas["frank"])
    response = client.post("/api/lines/", {"year": 2024, "region_code": "433122", "amount": "8000",
                                           "basis": "县定"}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["changed_by"] == "frank"
    response = client.patch(f"/api/lines/{pk}/", {"amount": "8100"}, format="json")
    assert response.status_code == 200 and response.json()["amount"] == "8100.00"
    history = client.get(f"/api/lines/{pk}/history/").json()
    assert [h["action"] for h in history] == ["update", "create"]
    assert history[0]["before"]["amount"] == "8000.00" and history[0]["after"]["amount"] == "8100.00"
    # Validation goes through the model: one line per year and region, counties and above only.
    assert client.post("/api/lines/", {"year": 2024, "region_code": "433122", "amount": "1"},
                       format="json").status_code == 400
    assert client.post("/api/lines/", {"year": 2024, "region_code": "433122102", "amount": "1"},
                       format="json").status_code == 400
    assert client.delete(f"/api/lines/{pk}/").status_code == 405


@pytest.mark.parametrize("name", ["alice", "carol", "erin", "grace", "heidi"])
def test_others_cannot_write_lines(personas, name):
    client = api(personas[name])
    assert client.post("/api/lines/", {"year": 2024, "region_code": "433122", "amount": "8000"},
                       format="json").status_code == 403
    line = MonitoringLine.objects.get(year=2023, region_code="43")
    assert client.patch(f"/api/lines/{line.pk}/", {"amount": "1"}, format="json").status_code == 403
    assert MonitoringLine.objects.get(pk=line.pk).amount == 7500


def test_anonymous_requests_are_refused(regions):
    for url in ("/api/warnings/", "/api/rules/", "/api/lines/"):
        assert APIClient().get(url).status_code in (401, 403)
