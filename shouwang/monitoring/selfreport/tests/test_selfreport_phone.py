"""The call-back the public page promises: staff of the village reach the reporter's number in one logged click."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client

from conftest import VILLAGE_A1
from shouwang.core.idnumbers import parse_id_number
from shouwang.core.models import AccessLog
from shouwang.monitoring.models import SelfReport
from shouwang.monitoring.selfreport import services as selfreport
from shouwang.regions.models import Region
from shouwang.registry.demo.synthetic import make_id_number

PHONE = "13700001111"


@pytest.fixture
def lead(regions) -> SelfReport:
    cache.clear()
    return selfreport.submit_self_report(selfreport.SelfReportData(
        name="李四", id_number=parse_id_number(make_id_number("433122", date(1966, 8, 9), 555)), phone=PHONE,
        village=Region.objects.get(code=VILLAGE_A1), risk_type="YZRZH", description="房屋被山洪冲垮",
    ))


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["alice", "carol"])
def test_village_and_township_staff_reveal_the_number_to_call_back(personas, lead, name):
    url = f"/monitoring/self-reports/{lead.pk}/phone/"
    page = login(personas[name]).get(f"/monitoring/self-reports/{lead.pk}/")
    assert url in page.content.decode() and PHONE not in page.content.decode()
    response = login(personas[name]).post(url)
    body = response.content.decode()
    assert response.status_code == 200 and f'href="tel:{PHONE}"' in body
    assert lead.id_number not in body and lead.id_masked in body
    entry = AccessLog.objects.get(action="reveal_phone", object_type="monitoring.selfreport")
    assert entry.user == personas[name] and entry.fields == "phone" and entry.reason == ""


@pytest.mark.parametrize(("name", "status"), [("bob", 404), ("dave", 404), ("grace", 403), ("heidi", 403)])
def test_others_cannot_reveal_it(personas, lead, name, status):
    response = login(personas[name]).post(f"/monitoring/self-reports/{lead.pk}/phone/")
    assert response.status_code == status and PHONE not in response.content.decode()
    assert not AccessLog.objects.filter(action="reveal_phone").exists()
