"""The cases API: scoping by persona, allowed actions, refusals as 403/409/400, measures, history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import COUNTY, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import Attachment, Case, CaseStatus, Measure, NoticeKind
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure.opening import open_case
from shouwang.cases.tests.factories import PDF, make_case, walk_identification
from shouwang.core.calendar import add_days
from shouwang.monitoring.models import MonitoringLine, Warning, WarningChannel, WarningStatus
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def line(regions):
    year = timezone.localdate().year
    for y in (year - 1, year):
        MonitoringLine.objects.update_or_create(year=y, region_code=COUNTY, defaults={"amount": Decimal("7500")})


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def cases(personas):
    """One identifying case in each of A1, A2 and B1."""
    return {v: make_case(village=v) for v in (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1)}


def listed(user, **params) -> set[int]:
    response = api(user).get("/api/cases/", params)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def act(user, case, action, **body):
    return api(user).post(f"/api/cases/{case.pk}/actions/", {"action": action, **body}, format="json")


# --- scoping -----------------------------------------------------------------------------------

def test_each_persona_lists_only_cases_in_their_region(personas, cases):
    a1, a2, b1 = cases[VILLAGE_A1].pk, cases[VILLAGE_A2].pk, cases[VILLAGE_B1].pk
    assert listed(personas["alice"]) == {a1}
    assert listed(personas["bob"]) == {a2}
    assert listed(personas["judy"]) == {b1}
    assert listed(personas["carol"]) == {a1, a2}
    assert listed(personas["dave"]) == {b1}
    for who in ("erin", "frank", "grace", "heidi"):
        assert listed(personas[who]) == {a1, a2, b1}, who
    assert listed(personas["ivan"]) == set()  # a department officer reads nothing of the cases


def test_case_outside_the_region_is_404_everywhere(personas, cases):
    other = cases[VILLAGE_A1]
    client = api(personas["bob"])
    assert client.get(f"/api/cases/{other.pk}/").status_code == 404
    assert client.get(f"/api/cases/{other.pk}/transitions/").status_code == 404
    assert client.get(f"/api/cases/{other.pk}/measures/").status_code == 404
    assert act(personas["bob"], other, "complete_step", step="verify").status_code == 404
    assert api(personas["dave"]).get(f"/api/cases/{other.pk}/").status_code == 404
    assert api(personas["carol"]).get(f"/api/cases/{cases[VILLAGE_B1].pk}/").status_code == 404
    assert api(personas["carol"]).get(f"/api/cases/{other.pk}/").status_code == 200


def test_anonymous_is_refused(cases):
    assert APIClient().get("/api/cases/").status_code in (401, 403)


def test_filters_by_status_category_and_region(personas, cases):
    monitored = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, category="sudden")
    erin = personas["erin"]
    assert listed(erin, status="monitored") == {monitored.pk}
    assert listed(erin, category="sudden") == {monitored.pk}
    assert listed(erin, region="433122102") == {cases[VILLAGE_A1].pk, cases[VILLAGE_A2].pk, monitored.pk}
    assert listed(erin, village=VILLAGE_B1) == {cases[VILLAGE_B1].pk}
    assert listed(erin, status="open") == {c.pk for c in cases.values()} | {monitored.pk}
    late = make_case(village=VILLAGE_A2, first_clue_date=timezone.localdate() - timedelta(days=30))
    assert listed(erin, status="overdue") == {late.pk}


# --- allowed actions ---------------------------------------------------------------------------

def test_each_case_lists_the_actions_the_requesting_user_may_take(personas, cases):
    case = cases[VILLAGE_A1]
    row = api(personas["alice"]).get(f"/api/cases/{case.pk}/").json()
    assert {"name": "complete_step", "step_code": "verify"}.items() <= next(
        a for a in row["allowed_actions"] if a["step_code"] == "verify").items()
    assert row["procedure"]["kind"] == "identification"
    assert {s["code"]: s["status"] for s in row["procedure"]["steps"]}["compare"] == "open"
    carol = api(personas["carol"]).get(f"/api/cases/{case.pk}/").json()
    assert [a["step_code"] for a in carol["allowed_actions"] if a["name"] == "complete_step"] == ["compare"]
    grace = api(personas["grace"]).get(f"/api/cases/{case.pk}/").json()
    assert grace["allowed_actions"] == []
    listed_row = api(personas["alice"]).get("/api/cases/").json()["results"][0]
    assert any(a["name"] == "complete_step" for a in listed_row["allowed_actions"])


# --- opening -----------------------------------------------------------------------------------

def test_village_cadre_opens_a_case_from_a_warning(personas):
    household = make_household(VILLAGE_A1, members=3, year=timezone.localdate().year, wage="15000")
    warning = Warning.objects.create(household=household, year=timezone.localdate().year,
                                     channel=WarningChannel.VISIT)
    body = {"household": household.pk, "category": "edge", "risk_types": ["YB", "YZRZH_HL"], "source": "warning",
            "first_clue_date": timezone.localdate().isoformat(), "warning": warning.pk}
    response = api(personas["alice"]).post("/api/cases/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "identifying" and sorted(data["risk_types"]) == ["YB", "YZRZH_HL"]
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ESCALATED
    again = api(personas["alice"]).post("/api/cases/", {**body, "warning": None}, format="json")
    assert again.status_code == 409 and "already has an open case" in again.json()["detail"]


def test_opening_a_case_outside_the_region_or_level_is_refused(personas):
    household = make_household(VILLAGE_A1, members=3, year=timezone.localdate().year, wage="15000")
    body = {"household": household.pk, "category": "edge", "risk_types": ["YB"], "source": "direct",
            "first_clue_date": timezone.localdate().isoformat()}
    assert api(personas["bob"]).post("/api/cases/", body, format="json").status_code == 404
    refused = api(personas["erin"]).post("/api/cases/", body, format="json")
    assert refused.status_code == 403 and refused.json()["detail"]
    assert api(personas["alice"]).post("/api/cases/", {**body, "risk_types": []}, format="json").status_code == 400
    wrong = api(personas["alice"]).post("/api/cases/", {**body, "category": "unstable_ex_poor"}, format="json")
    assert wrong.status_code == 409 and "ex-poor" in wrong.json()["detail"]
    assert not Case.objects.exists()


# --- actions -----------------------------------------------------------------------------------

def test_wrong_level_is_403_and_out_of_order_is_409(personas, cases):
    case = cases[VILLAGE_A1]
    wrong_level = act(personas["carol"], case, "complete_step", step="verify")
    assert wrong_level.status_code == 403 and wrong_level.json()["detail"]
    county = act(personas["erin"], case, "approve_county")
    assert county.status_code == 409 and "comes after" in county.json()["detail"]
    leader = act(personas["grace"], case, "complete_step", step="verify")
    assert leader.status_code == 403
    missing = act(personas["alice"], case, "complete_step", step="verify")
    assert missing.status_code == 409 and "authorisation" in missing.json()["detail"]
    no_reason = act(personas["alice"], case, "reject")
    assert no_reason.status_code == 400
    assert act(personas["alice"], case, "fly").status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.IDENTIFYING and case.transitions.count() == 0


def test_verification_with_the_authorisation_uploaded_in_the_same_request(personas, cases):
    case = cases[VILLAGE_A1]
    upload = SimpleUploadedFile("授权书.pdf", PDF, content_type="application/pdf")
    response = api(personas["alice"]).post(f"/api/cases/{case.pk}/actions/", {
        "action": "complete_step", "step": "verify", "authorisation": upload}, format="multipart")
    assert response.status_code == 200, response.content
    steps = {s["code"]: s["status"] for s in response.json()["procedure"]["steps"]}
    assert steps["verify"] == "done"
    attachment = Attachment.objects.get(case=case)
    assert attachment.kind == "authorisation" and attachment.original_name == "授权书.pdf"
    history = api(personas["carol"]).get(f"/api/cases/{case.pk}/transitions/").json()
    assert history[-1]["action"] == "complete_step" and history[-1]["level"] == "village"
    assert history[-1]["attachments"][0]["kind"] == "authorisation"


def test_api_attachment_is_checked_by_content_like_the_form(personas, cases):
    case = cases[VILLAGE_A1]
    url = f"/api/cases/{case.pk}/actions/"
    # A Windows executable renamed to .pdf: the name is right, the first bytes are not.
    disguised = SimpleUploadedFile("授权书.pdf", b"MZ\x90\x00\x03 not a pdf", content_type="application/pdf")
    response = api(personas["alice"]).post(url, {"action": "attach", "authorisation": disguised}, format="multipart")
    assert response.status_code == 400
    assert "not a PDF file" in response.json()["detail"]
    also = SimpleUploadedFile("photo.png", PDF, content_type="image/png")  # a PDF called .png
    response = api(personas["alice"]).post(url, {"action": "attach", "photo": also}, format="multipart")
    assert response.status_code == 400 and "not a PNG file" in response.json()["detail"]
    assert not Attachment.objects.filter(case=case).exists()


def test_full_identification_over_the_api(personas):
    today = timezone.localdate()
    household = make_household(VILLAGE_A1, members=3, year=today.year, wage="15000")
    alice, carol, erin = api(personas["alice"]), api(personas["carol"]), api(personas["erin"])
    week_ago = today - timedelta(days=7)
    case_id = alice.post("/api/cases/", {
        "household": household.pk, "category": "edge", "risk_types": ["YB"], "source": "direct",
        "first_clue_date": week_ago.isoformat()}, format="json").json()["id"]
    url = f"/api/cases/{case_id}/actions/"
    # The steps before the notice were done a week ago and are entered now: late entries (补录).
    late = {"done_on": week_ago.isoformat(), "late_reason": "Entered after the network outage."}
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    refused = alice.post(url, {"action": "complete_step", "step": "verify", "done_on": week_ago.isoformat(),
                               "authorisation": upload}, format="multipart")
    assert refused.status_code == 400 and "late entry" in refused.json()["detail"]
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    assert alice.post(url, {"action": "complete_step", "step": "verify", "authorisation": upload, **late},
                      format="multipart").status_code == 200
    assert carol.post(url, {"action": "complete_step", "step": "compare", **late}, format="json").status_code == 200
    assert alice.post(url, {"action": "complete_step", "step": "appraisal", "reason": "Agreed by 23 of 25.", **late},
                      format="json").status_code == 200
    case = Case.objects.get(pk=case_id)
    create_notice(personas["alice"], VILLAGE_A1, [case], kind=NoticeKind.IDENTIFICATION,
                  starts_on=today - timedelta(days=6), ends_on=today - timedelta(days=1),
                  late_reason="Posted on the board; entered now.")
    assert alice.post(url, {"action": "complete_step", "step": "notice"}, format="json").status_code == 200
    assert carol.post(url, {"action": "approve_township"}, format="json").status_code == 200
    assert erin.post(url, {"action": "approve_county"}, format="json").status_code == 200
    assert carol.post(url, {"action": "complete_step", "step": "announce"}, format="json").status_code == 200
    refused = carol.post(url, {"action": "complete_step", "step": "file"}, format="json")
    assert refused.status_code == 409 and "assistance contact" in refused.json()["detail"]
    contact = carol.post(url, {"action": "add_contact", "name": "王五", "phone": "13712345678"}, format="json")
    assert contact.json()["contacts"][0]["phone_masked"] == "137****5678"
    assert "13712345678" not in contact.content.decode()
    done = carol.post(url, {"action": "complete_step", "step": "file"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "monitored"
    assert done.json()["identified_on"] == today.isoformat() and done.json()["procedure"] is None


def test_measures_get_and_post_follow_the_workflow(personas, cases):
    case = cases[VILLAGE_A1]
    url = f"/api/cases/{case.pk}/measures/"
    refused = api(personas["alice"]).post(url, {"measure_type": "health"}, format="json")
    assert refused.status_code == 409 and "green channel" in refused.json()["detail"]
    monitored = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED)
    url = f"/api/cases/{monitored.pk}/measures/"
    body = {"measure_type": "industry", "description": "Pig-raising subsidy", "amount": "2000.00",
            "status": "active", "responsible_unit": "县农业农村局", "starts_on": "2024-03-01"}
    late = api(personas["carol"]).post(url, body, format="json")  # started long before today: a late entry
    assert late.status_code == 400 and "late entry" in late.json()["detail"]
    created = api(personas["carol"]).post(url, body | {"late_reason": "Paper file entered now."}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["measure_type"] == "industry" and created.json()["amount"] == "2000.00"
    assert [m["id"] for m in api(personas["alice"]).get(url).json()] == [created.json()["id"]]
    assert api(personas["bob"]).get(url).status_code == 404
    assert api(personas["grace"]).post(url, {"measure_type": "health"}, format="json").status_code == 403
    assert api(personas["alice"]).post(url, {"measure_type": "nope"}, format="json").status_code == 400
    assert Measure.objects.filter(case=monitored).count() == 1


def test_elimination_refusal_reasons_reach_the_api(personas):
    case = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED,
                     identified_on=timezone.localdate() - timedelta(days=10))
    response = act(personas["alice"], case, "start_elimination", mode="assistance")
    assert response.status_code == 409 and "month of identification" in response.json()["detail"]


def test_queue_endpoint_lists_the_users_open_steps(personas, cases):
    rows = api(personas["carol"]).get("/api/cases/queue/").json()
    assert {(r["case"], r["code"]) for r in rows} == {(cases[VILLAGE_A1].pk, "compare"),
                                                       (cases[VILLAGE_A2].pk, "compare")}
    assert api(personas["grace"]).get("/api/cases/queue/").json() == []


def test_walked_case_history_is_complete(personas):
    today = timezone.localdate()
    household = make_household(VILLAGE_A1, members=3, year=today.year, wage="15000")
    case = open_case(household, personas["alice"], category="edge", risk_types=["YB"], source="direct",
                     first_clue_date=today - timedelta(days=7), recorded_on=today - timedelta(days=7))
    walk_identification(case, {"village": personas["alice"], "township": personas["carol"],
                               "county": personas["erin"]})
    history = api(personas["erin"]).get(f"/api/cases/{case.pk}/transitions/").json()
    assert [h["level"] for h in history][:3] == ["village", "village", "township"]
    assert history[-1]["to_status"] == "monitored"


def test_schema_documents_the_cases_endpoints(personas):
    response = api(personas["erin"]).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"] if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    for path in ("/api/cases/", "/api/cases/{id}/actions/", "/api/cases/{id}/transitions/",
                 "/api/cases/{id}/measures/"):
        assert (path in paths) if paths is not None else (path in text)
    assert "allowed_actions" in text and "CaseActionRefused" in text



# --- procedure settings ------------------------------------------------------------------------

def test_county_admin_sets_time_limits_that_new_procedures_follow(personas):
    from shouwang.cases.models import ProcedureSettings
    from shouwang.core.models import ChangeLog

    body = {"region_code": "433122102", "total_days": 20, "day_kind": "working", "notice_min_days": 7}
    for who in ("erin", "carol", "alice", "grace"):
        assert api(personas[who]).post("/api/procedure-settings/", body, format="json").status_code == 403, who
    created = api(personas["frank"]).post("/api/procedure-settings/", body, format="json")
    assert created.status_code == 201, created.content
    again = api(personas["frank"]).post("/api/procedure-settings/", {**body, "total_days": 25}, format="json")
    assert again.status_code == 201 and ProcedureSettings.objects.get().total_days == 25
    bad = api(personas["frank"]).post("/api/procedure-settings/", {**body, "day_kind": "lunar"}, format="json")
    assert bad.status_code == 400
    assert ChangeLog.objects.filter(object_type="cases.proceduresettings").count() == 2
    assert ProcedureSettings.for_region(VILLAGE_A1).notice_min_days == 7
    assert ProcedureSettings.for_region(VILLAGE_B1).notice_min_days == 5
    assert [r["region_code"] for r in api(personas["alice"]).get("/api/procedure-settings/").json()] == ["433122102"]
    case = make_case(village=VILLAGE_A1)
    assert case.procedures.get().due_date == add_days(case.first_clue_date, 25, "working")


def test_case_list_asks_the_database_a_fixed_number_of_times(personas, django_assert_max_num_queries):
    for _i in range(3):
        make_case(village=VILLAGE_A1)
    client = api(personas["alice"])
    client.get("/api/cases/")  # warm caches (content types, session)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/cases/")
    for _i in range(7):
        make_case(village=VILLAGE_A1, risk_codes=("YZRZH_HL", "YB"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/cases/")
    assert len(response.json()["results"]) == 10
