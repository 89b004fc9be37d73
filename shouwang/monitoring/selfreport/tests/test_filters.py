"""The self-report queue's one filter: the queue page, the API and the export list the same reports."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.idnumbers import parse_id_number
from shouwang.monitoring.models import SelfReport, SelfReportStatus
from shouwang.monitoring.selfreport import services as selfreport
from shouwang.regions.models import Region
from shouwang.registry.demo.synthetic import make_id_number

LIST, API = reverse("monitoring:selfreport_list"), "/api/self-reports/"


@pytest.fixture
def reports(regions):
    cache.clear()  # the public form's rate limit
    made = {}
    for n, (name, village, status) in enumerate([
        ("新甲", VILLAGE_A1, SelfReportStatus.NEW), ("新乙", VILLAGE_A2, SelfReportStatus.NEW),
        ("驳回", VILLAGE_A1, SelfReportStatus.DISMISSED), ("新丙", VILLAGE_B1, SelfReportStatus.NEW),
    ]):
        report = selfreport.submit_self_report(selfreport.SelfReportData(
            name=name, id_number=parse_id_number(make_id_number("433122", date(1960, 1, 1 + n), 900 + n)),
            phone=f"1370000{n:04d}", village=Region.objects.get(code=village), risk_type="YZRZH",
            description="房屋受损",
        ))
        SelfReport.objects.filter(pk=report.pk).update(status=status)
        made[name] = report
    cache.clear()
    return made


@pytest.mark.parametrize("name", ["erin", "carol"])
def test_page_api_and_export_list_the_same_reports(list_rows, personas, reports, name):
    user = personas[name]
    for params in [{"status": "new"}, {"status": "dismissed"}, {"status": "all"}, {"status": "warning"}]:
        page = list_rows.page(user, LIST, params, key=lambda r: r.name)
        api = list_rows.api(user, API, params, key="name")
        export = list_rows.export(user, "self_reports", params, column="姓名")
        assert page == api == export, params


def test_the_page_and_its_export_list_new_reports_by_default_the_api_all(list_rows, personas, reports):
    carol = personas["carol"]
    page = list_rows.page(carol, LIST, {}, key=lambda r: r.name)
    assert page == list_rows.export(carol, "self_reports", {}, column="姓名") == sorted(["新甲", "新乙"])
    assert list_rows.api(carol, API, {}, key="name") == sorted(["新甲", "新乙", "驳回"])
