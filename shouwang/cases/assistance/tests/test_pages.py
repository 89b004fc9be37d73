"""Assistance on the case page: contacts and their masked phones, measures, the green channel, visits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import VILLAGE_A1
from shouwang.cases.models import AssistanceContact, CaseStatus, Measure, MeasureType
from shouwang.cases.tests.factories import make_case, make_contact
from shouwang.core.models import AccessLog
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db


def stable_case(**kw):
    """A monitored case whose household meets every elimination criterion (10,000 yuan each, safe housing)."""
    household = make_household(VILLAGE_A1, wage="30000")
    household.years.update(housing_grade="A")
    kw.setdefault("identified_on", timezone.localdate() - timedelta(days=200))
    return make_case(household, status=CaseStatus.MONITORED, **kw)


def test_contact_is_added_and_its_phone_shown_masked(client, personas):
    case = make_case(make_household(VILLAGE_A1, wage="6000"))
    client.force_login(personas["alice"])
    response = client.post(reverse("cases:contact_add", args=[case.pk]), {
        "name": "李四", "unit": "县农业农村局", "position": "驻村工作队员", "phone": "139 1234 5678",
        "starts_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 302
    contact = AssistanceContact.objects.get(case=case)
    assert contact.phone == "13912345678" and contact.phone_masked
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "李四" in html and contact.phone_masked in html and "13912345678" not in html


def test_contact_phone_unmasked_only_with_a_reason_and_logged(client, personas):
    case = make_case(make_household(VILLAGE_A1, wage="6000"))
    make_contact(case, phone="13900001234")
    client.force_login(personas["alice"])  # a village cadre may not unmask
    assert client.post(reverse("cases:contact_unmask", args=[case.pk]), {"reason": "call"}).status_code == 403
    client.force_login(personas["erin"])
    assert "Show full phone numbers" in client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    missing = client.post(reverse("cases:contact_unmask", args=[case.pk]), {"reason": "  "})
    assert missing.status_code == 400 and "13900001234" not in missing.content.decode()
    shown = client.post(reverse("cases:contact_unmask", args=[case.pk]), {"reason": "Arrange a home visit"})
    assert shown.status_code == 200 and "13900001234" in shown.content.decode()
    entry = AccessLog.objects.get(action="unmask", object_type="cases.assistancecontact")
    assert entry.reason == "Arrange a home visit" and entry.username == "erin"


def test_measure_is_recorded_after_approval_and_listed(client, personas):
    case = stable_case()
    member = case.household.members.order_by("pk").first()
    client.force_login(personas["alice"])
    assert client.get(reverse("cases:measure_add", args=[case.pk])).status_code == 200
    posted = {
        "measure_type": MeasureType.objects.get(code="employment").pk, "member": member.pk,
        "description": "外出务工交通补助", "responsible_unit": "县人社局", "responsible_person": "王五",
        "starts_on": "2024-03-01", "ends_on": "2024-12-31", "amount": "800", "funding_source": "衔接资金",
        "status": "active",
    }
    # Started long before today: a late entry (补录); the form comes back with the reason's field open.
    refused = client.post(reverse("cases:measure_add", args=[case.pk]), posted)
    assert refused.status_code == 400 and not Measure.objects.filter(case=case).exists()
    html = refused.content.decode()
    assert "late entry" in html and 'data-late-for="id_starts_on"' in html
    assert " hidden" not in html.split('data-late-for="id_starts_on"')[1].split(">")[0]
    response = client.post(reverse("cases:measure_add", args=[case.pk]),
                           posted | {"late_reason": "Recorded on paper during the flood."})
    assert response.status_code == 302
    measure = Measure.objects.get(case=case)
    assert measure.member == member and measure.amount == 800 and not measure.green_channel
    assert measure.late_reason == "Recorded on paper during the flood."
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "外出务工交通补助" in html and "县人社局" in html and 'class="badge late-entry"' in html


def test_measure_before_approval_is_refused_except_through_the_green_channel(client, personas):
    ordinary = make_case(make_household(VILLAGE_A1, wage="6000"), risk_codes=("YB",))
    flood = make_case(make_household(VILLAGE_A1, wage="6000"), risk_codes=("YZRZH", "YZRZH_HL"))
    client.force_login(personas["alice"])
    data = {"measure_type": MeasureType.objects.get(code="housing").pk, "status": "active"}
    refused = client.post(reverse("cases:measure_add", args=[ordinary.pk]), data)
    assert refused.status_code == 409 and "green channel" in refused.content.decode()
    assert not Measure.objects.filter(case=ordinary).exists()
    assert client.post(reverse("cases:measure_add", args=[flood.pk]), data).status_code == 302
    assert Measure.objects.get(case=flood).green_channel
    html = client.get(reverse("cases:case_detail", args=[flood.pk])).content.decode()
    assert "Measures given before approval" in html


def test_case_page_lists_the_households_visits_since_the_first_clue(client, personas):
    from shouwang.monitoring.models import Visit

    case = make_case(make_household(VILLAGE_A1, wage="6000"))
    today = timezone.localdate()
    recent = Visit.objects.create(household=case.household, visited_on=today, visitor=personas["alice"])
    old = Visit.objects.create(household=case.household, visited_on=case.first_clue_date - timedelta(days=30),
                               visitor=personas["alice"])
    client.force_login(personas["alice"])
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("monitoring:visit_detail", args=[recent.pk]) in html
    assert reverse("monitoring:visit_detail", args=[old.pk]) not in html  # before the first clue
    assert reverse("monitoring:visit_new", args=[case.household.pk]) in html
