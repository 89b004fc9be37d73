"""The village's self-report queue: scoped pages and API, linking or dismissing a lead, unmasking."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from conftest import VILLAGE_A1, VILLAGE_A2
from shouwang.core.idnumbers import parse_id_number
from shouwang.core.models import AccessLog
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.models import SelfReport, SelfReportStatus, Warning, WarningChannel
from shouwang.monitoring.selfreport import services as selfreport
from shouwang.regions.models import Region
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import Member, Relation
from shouwang.registry.tests.factories import make_household

LEAD_ID = make_id_number("433122", date(1966, 8, 9), 555)
ID_PATTERN = re.compile(r"(?<![0-9])\d{17}[0-9X](?![0-9])")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.fixture
def lead(regions) -> SelfReport:
    """A report from a person the registry does not know, for village A1."""
    return selfreport.submit_self_report(selfreport.SelfReportData(
        name="李四", id_number=parse_id_number(LEAD_ID), phone="13700001111",
        village=Region.objects.get(code=VILLAGE_A1), risk_type="YZRZH", description="房屋被山洪冲垮",
    ))


def test_the_queue_page_shows_a_lead_to_its_village_only(personas, lead):
    page = login(personas["alice"]).get("/monitoring/self-reports/")
    body = page.content.decode()
    assert page.status_code == 200 and "李四" in body and lead.id_masked in body and LEAD_ID not in body
    assert "李四" not in login(personas["bob"]).get("/monitoring/self-reports/").content.decode()
    assert "李四" in login(personas["carol"]).get("/monitoring/self-reports/").content.decode()
    assert "李四" not in login(personas["dave"]).get("/monitoring/self-reports/").content.decode()
    assert login(personas["bob"]).get(f"/monitoring/self-reports/{lead.pk}/").status_code == 404
    detail = login(personas["alice"]).get(f"/monitoring/self-reports/{lead.pk}/").content.decode()
    assert "房屋被山洪冲垮" in detail and "137****1111" in detail and "13700001111" not in detail


def test_a_lead_is_attached_to_a_household_by_number_and_raises_its_warning(personas, lead):
    household = make_household(VILLAGE_A1)
    response = login(personas["alice"]).post(f"/monitoring/self-reports/{lead.pk}/act/",
                                             {"action": "link", "household": household.number})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == SelfReportStatus.WARNING and lead.household == household
    warning = Warning.objects.get()
    assert lead.warning == warning and warning.channel == WarningChannel.SELF_REPORT
    assert warning.evidence["self_reports"][0]["self_report"] == lead.pk
    (entry,) = fieldwork.evidence_entries(warning)
    assert entry.title == "Self-report by 李四" and entry.detail == "Natural disaster"
    assert entry.url == f"/monitoring/self-reports/{lead.pk}/"


def test_a_lead_cannot_be_attached_to_a_household_of_another_village(personas, lead):
    other = make_household(VILLAGE_A2)
    response = login(personas["alice"]).post(f"/monitoring/self-reports/{lead.pk}/act/",
                                             {"action": "link", "household": other.number})
    assert (
        response.status_code == 400
        and "No household with this number in your region." in response.content.decode()
    )
    assert SelfReport.objects.get().status == SelfReportStatus.NEW and not Warning.objects.exists()


def test_a_lead_is_matched_again_once_the_person_is_in_the_registry(personas, lead):
    client = login(personas["alice"])
    refused = client.post(f"/monitoring/self-reports/{lead.pk}/act/", {"action": "link", "household": ""})
    assert (
        refused.status_code == 400
        and "Nobody in the registry has this ID number yet." in refused.content.decode()
    )
    household = make_household(VILLAGE_A1, members=1)
    member = Member(household=household, name="李四", relation=Relation.SPOUSE)
    member.set_id(parse_id_number(LEAD_ID))
    member.save()
    assert (
        client.post(
            f"/monitoring/self-reports/{lead.pk}/act/", {"action": "link", "household": ""}
        ).status_code
        == 302
    )
    lead.refresh_from_db()
    assert lead.household == household and lead.member == member and lead.warning is not None


def test_a_lead_is_dismissed_only_with_a_reason_and_only_once(personas, lead):
    client = login(personas["alice"])
    assert (
        client.post(
            f"/monitoring/self-reports/{lead.pk}/act/", {"action": "dismiss", "reason": " "}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/monitoring/self-reports/{lead.pk}/act/", {"action": "dismiss", "reason": "重复申报"}
        ).status_code
        == 302
    )
    lead.refresh_from_db()
    assert lead.status == SelfReportStatus.DISMISSED and lead.close_reason == "重复申报"
    assert lead.closed_by == personas["alice"]
    again = client.post(f"/monitoring/self-reports/{lead.pk}/act/", {"action": "dismiss", "reason": "again"})
    assert again.status_code == 400


def test_only_staff_who_may_change_act_on_a_lead(personas, lead):
    assert (
        login(personas["grace"])
        .post(f"/monitoring/self-reports/{lead.pk}/act/", {"action": "dismiss", "reason": "x"})
        .status_code
        == 403
    )
    assert (
        login(personas["bob"])
        .post(f"/monitoring/self-reports/{lead.pk}/act/", {"action": "dismiss", "reason": "x"})
        .status_code
        == 404
    )
    assert SelfReport.objects.get().status == SelfReportStatus.NEW


def test_clear_numbers_need_the_permission_and_a_reason_and_are_logged(personas, lead):
    url = f"/monitoring/self-reports/{lead.pk}/unmask/"
    assert login(personas["alice"]).post(url, {"reason": "回访"}).status_code == 403
    assert login(personas["erin"]).post(url, {"reason": ""}).status_code == 400
    response = login(personas["erin"]).post(url, {"reason": "电话回访核实"})
    body = response.content.decode()
    assert response.status_code == 200 and LEAD_ID in body and "13700001111" in body
    entry = AccessLog.objects.get(action="unmask", object_type="monitoring.selfreport")
    assert entry.reason == "电话回访核实" and entry.user == personas["erin"]


def test_the_api_lists_reports_in_scope_with_masked_numbers_only(personas, lead):
    body = api(personas["alice"]).get("/api/self-reports/").content.decode()
    assert "李四" in body and not ID_PATTERN.search(body) and "13700001111" not in body
    assert api(personas["alice"]).get("/api/self-reports/", {"status": "new"}).json()["count"] == 1
    assert api(personas["bob"]).get("/api/self-reports/").json()["count"] == 0
    assert api(personas["ivan"]).get("/api/self-reports/").json()["count"] == 0
    assert api(personas["bob"]).get(f"/api/self-reports/{lead.pk}/").status_code == 404
    assert APIClient().get("/api/self-reports/").status_code in (401, 403)
