"""Cadre visits: findings raise warnings with evidence, scoped pages and API, encrypted notes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.models import MonitoringLine, Visit, Warning, WarningChannel, WarningStatus
from shouwang.registry.tests.factories import make_household


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def line_this_year(db):
    """A county line for the current year, so that an income estimate can be compared with it."""
    return MonitoringLine.objects.create(
        year=timezone.localdate().year, region_code="433122", amount=Decimal(7500)
    )


def test_a_visit_with_a_finding_raises_a_visit_warning_with_the_evidence(personas, line_this_year):
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(
        Visit(
            household=household,
            water_secured=False,
            illness=True,
            income_estimate=Decimal(7499),
            note="户主肺癌化疗",
        ),
        personas["alice"],
    )
    assert visit.findings == ["water", "income_below_line", "illness"]
    warning = Warning.objects.get()
    assert visit.warning == warning and warning.household == household
    assert (
        warning.channel == WarningChannel.VISIT
        and warning.rule is None
        and warning.status == WarningStatus.NEW
    )
    assert warning.due_date is not None and warning.region_code == VILLAGE_A1
    entry = warning.evidence["visits"][0]
    assert entry["visit"] == visit.pk and entry["findings"] == ["water", "income_below_line", "illness"]
    assert entry["income_estimate"] == 7499 and entry["line"] == 7500 and entry["risk_types"] == ["YB"]
    assert entry["visitor"] == "alice"
    assert "肺癌" not in str(warning.evidence)  # the note stays in the encrypted visit


def test_a_visit_with_nothing_wrong_raises_no_warning(personas, line_this_year):
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(
        Visit(household=household, income_estimate=Decimal(7500)), personas["alice"]
    )
    assert visit.findings == [] and visit.warning is None
    assert not Warning.objects.exists()


def test_the_visitors_own_judgement_is_a_finding(personas):
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(Visit(household=household, at_risk=True), personas["alice"])
    assert visit.findings == ["at_risk"] and Warning.objects.filter(channel=WarningChannel.VISIT).count() == 1


def test_a_second_finding_joins_the_open_visit_warning(personas):
    household = make_household(VILLAGE_A1)
    fieldwork.record_visit(Visit(household=household, housing_secured=False), personas["alice"])
    fieldwork.record_visit(Visit(household=household, job_loss=True), personas["carol"])
    warning = Warning.objects.get()
    # One signal per visit, both on the one open warning.
    assert [e["findings"] for s in warning.signals.order_by("id") for e in s.evidence["visits"]] == [
        ["housing"], ["job_loss"]]
    assert Visit.objects.filter(warning=warning).count() == 2


def test_visits_only_to_households_in_the_users_region(personas):
    household = make_household(VILLAGE_A1)
    with pytest.raises(PermissionDenied):
        fieldwork.record_visit(Visit(household=household, illness=True), personas["bob"])
    with pytest.raises(PermissionDenied):
        fieldwork.record_visit(
            Visit(household=household, illness=True), personas["grace"]
        )  # leader: view only
    assert not Visit.objects.exists() and not Warning.objects.exists()


def test_a_visit_cannot_be_dated_in_the_future(personas):
    household = make_household(VILLAGE_A1)
    with pytest.raises(ValidationError):
        fieldwork.record_visit(
            Visit(household=household, visited_on=timezone.localdate() + timedelta(days=1)), personas["alice"]
        )


def test_the_visit_note_is_stored_encrypted(personas):
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(Visit(household=household, note="户主肺癌化疗"), personas["alice"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM monitoring_visit WHERE id = %s", [visit.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("g1:") and "肺癌" not in raw
    assert Visit.objects.get().note == "户主肺癌化疗"


def test_the_visit_form_is_recorded_from_a_phone_page(personas):
    household = make_household(VILLAGE_A1)
    client = login(personas["alice"])
    url = f"/monitoring/households/{household.pk}/visit/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="viewport"' in body and 'type="date"' in body and 'name="water_secured"' in body
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "food_secured": "on",
        "clothing_secured": "on",
        "education_secured": "on",
        "medical_secured": "on",
        "housing_secured": "on",  # water unticked
        "disaster": "on",
        "note": "洪水冲毁水管",
    }
    response = client.post(url, data)
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/visits/{visit.pk}/"
    assert visit.findings == ["water", "disaster"] and visit.visitor == personas["alice"]
    detail = client.get(response["Location"]).content.decode()
    assert (
        "Drinking water not secured" in detail and "Natural disaster" in detail and "洪水冲毁水管" in detail
    )
    assert Warning.objects.get().evidence["visits"][0]["risk_types"] == ["YZRZH"]


def test_visit_pages_are_scoped(personas):
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(Visit(household=household, illness=True), personas["alice"])
    url = f"/monitoring/households/{household.pk}/visit/"
    assert login(personas["bob"]).get(url).status_code == 404
    assert login(personas["grace"]).get(url).status_code == 403
    assert login(personas["bob"]).get(f"/monitoring/visits/{visit.pk}/").status_code == 404
    assert login(personas["carol"]).get(f"/monitoring/visits/{visit.pk}/").status_code == 200
    assert household.number in login(personas["carol"]).get("/monitoring/visits/").content.decode()
    assert household.number not in login(personas["dave"]).get("/monitoring/visits/").content.decode()
    assert Client().get("/monitoring/visits/").status_code == 302  # to the login page


def test_the_api_records_a_visit_and_lists_visits_in_scope(personas):
    a1 = make_household(VILLAGE_A1)
    a2 = make_household(VILLAGE_A2)
    response = api(personas["alice"]).post(
        "/api/visits/", {"household": a1.pk, "education_secured": False}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["findings"] == ["education"] and response.json()["warning"] is not None
    assert Warning.objects.get().channel == WarningChannel.VISIT
    # A household outside the region cannot be named (it reads as unknown).
    refused = api(personas["alice"]).post(
        "/api/visits/", {"household": a2.pk, "illness": True}, format="json"
    )
    assert refused.status_code == 400 and Visit.objects.count() == 1
    assert api(personas["grace"]).post("/api/visits/", {"household": a1.pk}, format="json").status_code == 403
    assert api(personas["alice"]).get("/api/visits/").json()["count"] == 1
    assert api(personas["bob"]).get("/api/visits/").json()["count"] == 0
    assert api(personas["ivan"]).get("/api/visits/").json()["count"] == 0
    visit_id = response.json()["id"]
    assert api(personas["judy"]).get(f"/api/visits/{visit_id}/").status_code == 404


def test_field_work_evidence_reads_as_words_with_links(personas):
    household = make_household(VILLAGE_A1)
    first = fieldwork.record_visit(Visit(household=household, housing_secured=False), personas["alice"])
    fieldwork.record_visit(Visit(household=household, job_loss=True), personas["alice"])
    entries = [e for s in Warning.objects.get().signals.order_by("id") for e in fieldwork.evidence_entries(s)]
    assert [e.detail for e in entries] == ["Housing not safe", "Job loss"]
    assert entries[0].title == "Visit by alice" and entries[0].url == f"/monitoring/visits/{first.pk}/"


def test_a_visit_whose_visitor_was_deleted_still_shows(personas):
    household = make_household(VILLAGE_A1)
    visit = fieldwork.record_visit(Visit(household=household, illness=True), personas["alice"])
    Visit.objects.filter(pk=visit.pk).update(visitor=None)  # the account was removed (SET_NULL)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["carol"])
    response = client.get(f"/monitoring/visits/{visit.pk}/")
    assert response.status_code == 200
    assert "—" in response.content.decode()
