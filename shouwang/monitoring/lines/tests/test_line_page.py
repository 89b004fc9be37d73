"""The monitoring lines page: everyone with a view role reads lines and history; the administrator edits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shouwang.core.models import ChangeLog
from shouwang.monitoring.lines.services import save_line
from shouwang.monitoring.models import MonitoringLine

pytestmark = pytest.mark.django_db


def test_lines_page_lists_the_lines_on_the_users_path_with_history(client, personas):
    save_line(MonitoringLine(year=2024, region_code="433122", amount=Decimal("8000"), document_number="泸政发1号"),
              personas["frank"])
    line = MonitoringLine.objects.get(year=2024, region_code="433122")
    line.amount = Decimal("8200")
    save_line(line, personas["frank"])
    MonitoringLine.objects.create(year=2024, region_code="430102", amount=Decimal("9999"))  # another county
    client.force_login(personas["alice"])
    html = client.get("/monitoring/lines/").content.decode()
    assert "8,200.00" in html and "泸政发1号" in html and "泸溪县" in html
    assert "7,500.00" in html and "6,000.00" in html  # Hunan 2023 and national 2021 apply too
    assert "9,999" not in html
    assert "2 changes" in html and "8000.00 → 8200.00" in html
    assert "/monitoring/lines/new/" not in html and "/edit/" not in html


def test_administrator_adds_and_changes_a_line_through_the_page(client, personas):
    client.force_login(personas["frank"])
    assert "/monitoring/lines/new/" in client.get("/monitoring/lines/").content.decode()
    form = {"year": "2024", "region_code": "433122", "amount": "8000", "basis": "县定", "document_number": "",
            "source": ""}
    assert client.post("/monitoring/lines/new/", form).status_code == 302
    line = MonitoringLine.objects.get(year=2024, region_code="433122")
    assert line.changed_by == personas["frank"]
    response = client.post(f"/monitoring/lines/{line.pk}/edit/", form | {"amount": "8100"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("8100")
    entries = ChangeLog.objects.filter(object_type="monitoring.monitoringline", object_id=str(line.pk))
    assert sorted(entries.values_list("action", flat=True)) == ["create", "update"]
    page = client.get(f"/monitoring/lines/{line.pk}/edit/").content.decode()
    assert "8000.00 → 8100.00" in page


def test_an_invalid_line_is_refused_with_the_reason(client, personas):
    client.force_login(personas["frank"])
    form = {"year": "2023", "region_code": "43", "amount": "9000", "basis": "", "document_number": "", "source": ""}
    response = client.post("/monitoring/lines/new/", form)
    assert response.status_code == 200 and "already exists" in response.content.decode()
    response = client.post("/monitoring/lines/new/", form | {"year": "2024", "region_code": "433122102"})
    assert response.status_code == 200 and "county (6)" in response.content.decode()
    assert not MonitoringLine.objects.filter(amount=Decimal("9000")).exists()


def test_administrator_cannot_set_another_countys_line(client, personas):
    client.force_login(personas["frank"])
    form = {"year": "2024", "region_code": "430102", "amount": "9000", "basis": "", "document_number": "",
            "source": ""}
    response = client.post("/monitoring/lines/new/", form)
    assert response.status_code == 200 and "Only the county administrator" in response.content.decode()
    assert not MonitoringLine.objects.filter(region_code="430102").exists()


@pytest.mark.parametrize("name", ["alice", "carol", "erin", "grace", "heidi", "ivan"])
def test_only_the_administrator_reaches_the_line_forms(client, personas, name):
    client.force_login(personas[name])
    line = MonitoringLine.objects.get(year=2023, region_code="43")
    assert client.get("/monitoring/lines/new/").status_code == 403
    assert client.post(f"/monitoring/lines/{line.pk}/edit/", {"year": "2023", "region_code": "43",
                                                             "amount": "1"}).status_code == 403
    assert MonitoringLine.objects.get(pk=line.pk).amount == Decimal("7500")


def test_department_officer_does_not_read_lines_pages(client, personas):
    client.force_login(personas["ivan"])
    assert client.get("/monitoring/lines/").status_code == 403
