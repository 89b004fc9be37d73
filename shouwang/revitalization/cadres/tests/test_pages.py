"""The register's pages and API: scope, masked numbers and the logged unmask, keeping the register,
days in the village, trainings, the county's limits."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import COUNTY, TOWNSHIP_A, VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import AccessLog, ChangeLog
from shouwang.registry.demo.synthetic import make_id_number

from ..models import Attendance, Cadre, CadreKind, CadreSettings, Training, TrainingAttendance
from .factories import make_cadre

pytestmark = pytest.mark.django_db


def test_village_cadre_sees_only_the_register_of_their_village(client, personas):
    mine = make_cadre(village=VILLAGE_A1, name="甲村联系人", seq=1)
    other = make_cadre(village=VILLAGE_B1, name="乙村联系人", seq=2)
    client.force_login(personas["alice"])
    listed = client.get(reverse("revitalization:cadre_list"))
    assert listed.status_code == 200
    assert list(listed.context["page"].object_list) == [mine]
    assert client.get(reverse("revitalization:cadre_detail", args=[other.pk])).status_code == 404
    api = client.get("/api/revitalization/cadres/").json()
    rows = api["results"] if isinstance(api, dict) else api
    assert [r["id"] for r in rows] == [mine.pk]
    assert client.get(f"/api/revitalization/cadres/{other.pk}/").status_code == 404


def test_list_filters_by_kind(client, personas):
    secretary = make_cadre(CadreKind.FIRST_SECRETARY, seq=3, term_start=date(2024, 1, 1))
    make_cadre(CadreKind.CONTACT, seq=4)
    client.force_login(personas["carol"])
    listed = client.get(reverse("revitalization:cadre_list"), {"kind": "first_secretary"})
    assert list(listed.context["page"].object_list) == [secretary]


def test_numbers_are_stored_encrypted_and_shown_masked(client, personas):
    number = make_id_number("433122", date(1985, 3, 4), 5)
    cadre = make_cadre(seq=5, phone="13755556666")
    raw = Cadre.objects.filter(pk=cadre.pk).values_list("phone", "id_number").get()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, id_number FROM revitalization_cadre WHERE id = %s", [cadre.pk])
        stored = cursor.fetchone()
    assert "13755556666" not in stored[0] and number not in stored[1]
    assert raw == ("13755556666", number)
    client.force_login(personas["erin"])
    html = client.get(reverse("revitalization:cadre_detail", args=[cadre.pk])).content.decode()
    assert cadre.phone_masked in html and cadre.id_masked in html
    assert "13755556666" not in html and number not in html


def test_unmasking_needs_the_grant_and_a_reason_and_is_logged(client, personas):
    cadre = make_cadre(seq=6, phone="13755557777")
    url = reverse("revitalization:cadre_unmask", args=[cadre.pk])
    client.force_login(personas["carol"])  # no grant
    assert client.post(url, {"reason": "call"}).status_code == 403
    client.force_login(personas["erin"])
    assert client.post(url, {"reason": "  "}).status_code == 400
    assert not AccessLog.objects.filter(object_type="revitalization.cadre").exists()
    shown = client.post(url, {"reason": "Arrange a training"})
    assert shown.status_code == 200 and "13755557777" in shown.content.decode()
    entry = AccessLog.objects.get(object_type="revitalization.cadre", action="unmask")
    assert entry.reason == "Arrange a training" and entry.object_id == str(cadre.pk)


def test_unmasking_outside_the_region_is_not_found(client, personas, regions):
    from conftest import _user

    cadre = make_cadre(village=VILLAGE_B1, seq=7)
    judge = _user("una", "township", TOWNSHIP_A, unmask=True)
    client.force_login(judge)
    assert client.post(reverse("revitalization:cadre_unmask", args=[cadre.pk]), {"reason": "x"}).status_code == 404


def test_township_officer_adds_a_first_secretary_and_the_change_is_logged(client, personas):
    client.force_login(personas["carol"])
    number = make_id_number("433122", date(1990, 1, 2), 8)
    response = client.post(reverse("revitalization:cadre_new"), {
        "kind": "first_secretary", "name": "新书记", "region_code": VILLAGE_A1, "unit": "县财政局",
        "term_start": "2025-03-01", "phone": "138 0000 9999", "id_number": number,
    })
    assert response.status_code == 302, response.content[:800]
    cadre = Cadre.objects.get(name="新书记")
    assert cadre.phone == "13800009999" and cadre.id_number == number and cadre.birth_year == 1990
    entry = ChangeLog.objects.get(object_type="revitalization.cadre", object_id=str(cadre.pk))
    assert entry.after["phone_masked"] == "138****9999" and "13800009999" not in str(entry.after)


def test_a_first_secretary_needs_a_term_start_and_a_village_in_the_region(client, personas):
    client.force_login(personas["carol"])
    url = reverse("revitalization:cadre_new")
    assert client.post(url, {"kind": "first_secretary", "name": "无任期", "region_code": VILLAGE_A1}).status_code == 400
    assert client.post(url, {"kind": "contact", "name": "外村", "region_code": VILLAGE_B1}).status_code == 400
    assert not Cadre.objects.exists()


def test_editing_keeps_the_numbers_when_left_blank(client, personas):
    cadre = make_cadre(seq=9, phone="13700002222")
    client.force_login(personas["carol"])
    response = client.post(reverse("revitalization:cadre_edit", args=[cadre.pk]), {
        "kind": "contact", "name": "改名", "region_code": VILLAGE_A1, "phone": "", "id_number": ""})
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.name == "改名" and cadre.phone == "13700002222" and cadre.id_index


def test_village_cadre_records_days_but_may_not_edit_the_register(client, personas):
    cadre = make_cadre(CadreKind.FIRST_SECRETARY, seq=10, term_start=date(2024, 1, 1))
    client.force_login(personas["alice"])
    assert client.get(reverse("revitalization:cadre_edit", args=[cadre.pk])).status_code == 403
    url = reverse("revitalization:cadre_attendance", args=[cadre.pk])
    assert client.post(url, {"month": "2025-04", "days": "22"}).status_code == 302
    assert client.post(url, {"month": "2025-04", "days": "24"}).status_code == 302  # replaces the month
    assert list(Attendance.objects.values_list("month", "days")) == [(date(2025, 4, 1), 24)]
    assert client.post(url, {"month": "2025-04", "days": "31"}).status_code == 400  # April has 30 days
    contact = make_cadre(CadreKind.CONTACT, seq=11)
    assert client.post(reverse("revitalization:cadre_attendance", args=[contact.pk]),
                       {"month": "2025-04", "days": "3"}).status_code == 400


def test_training_with_attendance(client, personas):
    here = make_cadre(CadreKind.TALENT, seq=12, talent_type="returnee", name="返乡青年")
    away = make_cadre(CadreKind.TALENT, seq=13, talent_type="veteran", name="退伍军人")
    outside = make_cadre(CadreKind.TALENT, village=VILLAGE_B1, seq=14, talent_type="veteran")
    client.force_login(personas["carol"])
    response = client.post(reverse("revitalization:training_new"), {
        "title": "电商培训", "region_code": TOWNSHIP_A, "starts_on": "2025-05-10", "hours": "8"})
    assert response.status_code == 302
    training = Training.objects.get()
    url = reverse("revitalization:training_detail", args=[training.pk])
    page = client.get(url)
    assert {p.pk for p in page.context["people"]} == {here.pk, away.pk}
    assert client.post(url, {"shown": [here.pk, away.pk], "attended": [here.pk]}).status_code == 302
    assert dict(TrainingAttendance.objects.values_list("cadre_id", "attended")) == {here.pk: True, away.pk: False}
    assert client.post(url, {"shown": [outside.pk], "attended": [outside.pk]}).status_code == 403
    listed = client.get(reverse("revitalization:training_list"))
    row = listed.context["page"].object_list[0]
    assert (row.invited, row.present) == (2, 1)


def test_only_a_county_officer_sets_the_limits(client, personas):
    url = reverse("revitalization:cadre_settings")
    client.force_login(personas["carol"])
    assert client.get(url).status_code == 403
    client.force_login(personas["erin"])
    assert client.post(url, {"max_households_per_contact": "8", "min_days_per_year": "200"}).status_code == 302
    stored = CadreSettings.objects.get(region_code=COUNTY)
    assert (stored.max_households_per_contact, stored.min_days_per_year) == (8, 200)


def test_checks_page_lists_the_short_first_secretary(client, personas):
    short = make_cadre(CadreKind.FIRST_SECRETARY, seq=15, name="缺勤书记", term_start=date(2020, 1, 1))
    client.force_login(personas["carol"])
    page = client.get(reverse("revitalization:cadre_checks"), {"year": "2024"})
    assert page.status_code == 200
    assert [s.cadre for s in page.context["shortfalls"]] == [short]
    client.force_login(personas["judy"])  # another village: not hers to see
    assert client.get(reverse("revitalization:cadre_checks"), {"year": "2024"}).context["shortfalls"] == []
