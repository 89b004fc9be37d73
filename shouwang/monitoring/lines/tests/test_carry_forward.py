"""沿用上年标准: keeping the previous year's line is a real line record, with its basis, shown as such."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import COUNTY, VILLAGE_A1
from shouwang.monitoring.lines.models import line_in_force
from shouwang.monitoring.lines.services import carry_forward, line_history, missing_line, save_line
from shouwang.monitoring.models import MonitoringLine
from shouwang.monitoring.rules.household import household_year_facts
from shouwang.monitoring.tests.factories import household

pytestmark = pytest.mark.django_db

BASIS = "泸溪县防返贫领导小组会议纪要：省级标准未公布前沿用上年标准"


@pytest.fixture
def shipped(personas):
    """The shipped lines only: 2021 national 6,000 and 2023 Hunan 7,500."""
    MonitoringLine.objects.exclude(year__in=(2021, 2023)).delete()
    return personas


def test_carry_forward_copies_the_line_in_force_the_year_before_with_its_basis(shipped):
    assert missing_line(COUNTY, 2024)
    line = carry_forward(2024, COUNTY, shipped["frank"], BASIS)
    assert (line.year, line.region_code, line.amount) == (2024, COUNTY, Decimal("7500.00"))  # Hunan's 2023 line
    assert line.carried_forward and line.carried_from_year == 2023 and line.basis == BASIS
    assert line.changed_by == shipped["frank"]
    assert line_in_force(VILLAGE_A1, 2024) == line and not missing_line(COUNTY, 2024)
    entry = line_history(line).get()  # audited through save_line
    assert entry.action == "create" and entry.after["carried_forward"] is True
    assert entry.after["carried_from_year"] == 2023 and entry.after["basis"] == BASIS
    assert line.carried_note == "Previous year's line carried forward (from 2023)"
    # a year carried from a carried year keeps the amount; 2022 carries the national 2021 line
    assert carry_forward(2025, COUNTY, shipped["frank"], BASIS).amount == Decimal("7500.00")
    assert carry_forward(2022, COUNTY, shipped["frank"], BASIS).amount == Decimal("6000.00")


@pytest.mark.parametrize("basis", ["", "   "])
def test_carry_forward_needs_a_basis(shipped, basis):
    with pytest.raises(ValidationError, match="basis"):
        carry_forward(2024, COUNTY, shipped["frank"], basis)
    assert not MonitoringLine.objects.filter(year=2024).exists()


def test_carry_forward_needs_an_earlier_line_and_no_line_in_force(shipped):
    with pytest.raises(ValidationError, match="No monitoring line is in force for 2029"):
        carry_forward(2030, COUNTY, shipped["frank"], BASIS)
    with pytest.raises(ValidationError, match="already in force"):
        carry_forward(2023, COUNTY, shipped["frank"], BASIS)  # Hunan's published 2023 line covers the county
    carry_forward(2024, COUNTY, shipped["frank"], BASIS)
    with pytest.raises(ValidationError, match="already in force"):
        carry_forward(2024, COUNTY, shipped["frank"], BASIS)
    assert MonitoringLine.objects.filter(year__in=(2023, 2024, 2030), region_code=COUNTY).count() == 1


def test_only_the_administrator_carries_a_line_forward(shipped):
    for name in ("erin", "carol", "alice"):
        with pytest.raises(PermissionDenied):
            carry_forward(2024, COUNTY, shipped[name], BASIS)
    assert not MonitoringLine.objects.filter(year=2024).exists()


def test_a_carried_line_keeps_its_amount_until_it_is_no_longer_carried(shipped):
    line = carry_forward(2024, COUNTY, shipped["frank"], BASIS)
    line.amount = Decimal("7800")
    with pytest.raises(ValidationError, match="carried forward from 2023"):
        save_line(line, shipped["frank"])
    line.carried_forward = False
    line = save_line(line, shipped["frank"])
    assert line.amount == Decimal("7800") and line.carried_from_year is None and line.carried_note == ""


def test_a_line_published_later_replaces_the_carried_one_in_python_and_in_screening(shipped):
    carry_forward(2024, COUNTY, shipped["frank"], BASIS)
    MonitoringLine.objects.create(year=2024, region_code="43", amount=Decimal("7800"), basis="省定")
    assert line_in_force(VILLAGE_A1, 2024).amount == Decimal("7800")
    h = household(VILLAGE_A1, year=2024)
    assert household_year_facts(h.pk, 2024, names=["line"])["line"] == Decimal("7800")


def test_lines_page_records_and_shows_a_carry_forward(client, shipped):
    client.force_login(shipped["frank"])
    html = client.get("/monitoring/lines/").content.decode()
    assert 'action="/monitoring/lines/carry-forward/"' in html
    assert f'data-missing-line="{timezone.localdate().year}"' in html  # this year has no line yet
    response = client.post("/monitoring/lines/carry-forward/", {"year": "2024", "region_code": COUNTY, "basis": BASIS})
    assert response.status_code == 302
    line = MonitoringLine.objects.get(year=2024, region_code=COUNTY)
    assert line.carried_forward and line.basis == BASIS
    html = client.get("/monitoring/lines/").content.decode()
    assert "Previous year&#x27;s line carried forward (from 2023)" in html
    # refused without a basis: nothing recorded, the reason shown
    response = client.post("/monitoring/lines/carry-forward/", {"year": "2025", "region_code": COUNTY, "basis": ""},
                           follow=True)
    assert not MonitoringLine.objects.filter(year=2025).exists()
    assert "This field is required." in response.content.decode()


def test_a_county_officer_sees_no_carry_forward_form_and_may_not_post(client, shipped):
    client.force_login(shipped["erin"])
    assert "/monitoring/lines/carry-forward/" not in client.get("/monitoring/lines/").content.decode()
    response = client.post("/monitoring/lines/carry-forward/", {"year": "2024", "region_code": COUNTY, "basis": BASIS})
    assert response.status_code == 403
    assert not MonitoringLine.objects.filter(year=2024).exists()


def test_api_shows_and_records_a_carry_forward(client, shipped):
    client.force_login(shipped["frank"])
    response = client.post("/api/lines/carry-forward/", {"year": 2024, "region_code": COUNTY, "basis": BASIS},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["carried_forward"] is True and body["carried_from_year"] == 2023 and body["amount"] == "7500.00"
    assert body["carried_note"] == "Previous year's line carried forward (from 2023)"
    listed = {(row["year"], row["region_code"]): row for row in client.get("/api/lines/").json()["results"]}
    assert listed[(2024, COUNTY)]["carried_forward"] is True and listed[(2023, "43")]["carried_note"] == ""
    refused = client.post("/api/lines/carry-forward/", {"year": 2024, "region_code": COUNTY, "basis": BASIS},
                          content_type="application/json")
    assert refused.status_code == 400
    client.force_login(shipped["erin"])
    assert client.post("/api/lines/carry-forward/", {"year": 2025, "region_code": COUNTY, "basis": BASIS},
                       content_type="application/json").status_code == 403
