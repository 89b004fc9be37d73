"""Joint identification of a case as a social-assistance object: recorded, shown, filtered, refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1
from shouwang.cases.casefiles.models import CaseStatus
from shouwang.cases.tests.factories import make_case
from shouwang.core.models import ChangeLog
from shouwang.registry.models import LayerKind, LowIncomeLayer
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(personas):
    joint = make_case(make_household(VILLAGE_A1, "J-1"), status=CaseStatus.MONITORED)
    other = make_case(make_household(VILLAGE_A1, "J-2"), status=CaseStatus.MONITORED)
    tekun = make_case(make_household(VILLAGE_A1, "J-3"), status=CaseStatus.MONITORED,
                      assistance_layer=LayerKind.TEKUN, assistance_identified_on=date(2026, 1, 5))
    return {"joint": joint, "other": other, "tekun": tekun}


def listed(client, user, **params) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("cases:case_list"), {"status": "all", **params})
    assert response.status_code == 200
    return {c.household.number for c in response.context["page"].object_list}


def test_a_county_officer_records_the_joint_identification_and_the_page_shows_it(client, personas, cases):
    case = cases["joint"]
    LowIncomeLayer.objects.create(household=case.household, layer=LayerKind.DIBAO, start=date(2025, 1, 1),
                                  source="low_income")
    client.force_login(personas["erin"])
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.context["joint_form"] is not None
    assert "Minimum living allowance (低保)" in page.content.decode()  # the household's current layer
    response = client.post(reverse("cases:case_joint", args=[case.pk]),
                           {"layer": "dibao", "identified_on": "2026-03-02"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.assistance_layer, case.assistance_identified_on) == ("dibao", date(2026, 3, 2))
    change = ChangeLog.objects.filter(object_type="cases.case", object_id=str(case.pk)).latest("id")
    assert change.after["assistance_layer"] == "dibao" and change.before["assistance_layer"] == ""
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "2026-03-02" in html and "Social-assistance object (joint identification)" in html


def test_a_layer_without_a_date_is_refused_and_an_empty_layer_withdraws(client, personas, cases):
    case = cases["tekun"]
    client.force_login(personas["erin"])
    response = client.post(reverse("cases:case_joint", args=[case.pk]), {"layer": "dibao"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assistance_layer == "tekun"
    client.post(reverse("cases:case_joint", args=[case.pk]), {"layer": ""})
    case.refresh_from_db()
    assert (case.assistance_layer, case.assistance_identified_on) == ("", None)


def test_village_and_township_may_not_record_it(client, personas, cases):
    case = cases["joint"]
    for name in ("alice", "carol"):
        client.force_login(personas[name])
        assert client.post(reverse("cases:case_joint", args=[case.pk]),
                           {"layer": "dibao", "identified_on": "2026-03-02"}).status_code == 403
        assert client.get(reverse("cases:case_detail", args=[case.pk])).context["joint_form"] is None
    case.refresh_from_db()
    assert case.assistance_layer == ""


def test_the_case_list_filters_by_joint_identification(client, personas, cases):
    alice = personas["alice"]
    assert listed(client, alice) == {"J-1", "J-2", "J-3"}
    assert listed(client, alice, joint="yes") == {"J-3"}
    assert listed(client, alice, joint="tekun") == {"J-3"}
    assert listed(client, alice, joint="dibao") == set()
    assert listed(client, alice, joint="no") == {"J-1", "J-2"}


def test_the_api_filters_alike(client, personas, cases):
    client.force_login(personas["alice"])
    data = client.get("/api/cases/", {"joint": "yes"}).json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {row["id"] for row in rows} == {cases["tekun"].pk}
