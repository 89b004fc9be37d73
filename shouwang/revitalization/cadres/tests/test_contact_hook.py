"""The case page's contact form offers the register's people of the case's village and township; a
person picked is recorded with the register's details and counted as holding the household."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2
from shouwang.cases.assistance.models import AssistanceContact
from shouwang.cases.assistance.sources import contact_source
from shouwang.cases.casefiles.models import CaseStatus
from shouwang.cases.tests.factories import make_case, make_contact

from .. import services
from ..models import Cadre, CadreKind, ContactLink
from .factories import make_cadre

pytestmark = pytest.mark.django_db


def test_the_register_is_plugged_into_the_cases_contact_form():
    assert contact_source() is services.CONTACT_SOURCE


def test_contact_form_offers_the_village_and_township_people_in_term(client, personas):
    case = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False)
    here = make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, name="本村联系人", seq=1)
    township = make_cadre(CadreKind.CONTACT, village=TOWNSHIP_A, name="乡镇干部", seq=2)
    make_cadre(CadreKind.CONTACT, village=VILLAGE_A2, name="邻村联系人", seq=3)
    make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, name="已离任", seq=4, term_end=date.today() - timedelta(days=1))
    make_cadre(CadreKind.TALENT, village=VILLAGE_A1, name="乡土人才", seq=5, talent_type="veteran")
    client.force_login(personas["carol"])
    response = client.get(reverse("cases:contact_add", args=[case.pk]))
    assert response.status_code == 200
    offered = dict(response.context["form"].fields["register_person"].choices)
    assert set(offered) == {"", str(here.pk), str(township.pk)}


def test_picking_a_person_records_the_register_details_and_links_the_contact(client, personas):
    case = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False)
    person = make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, name="登记联系人", phone="13711112222", seq=6,
                        unit="县水利局")
    client.force_login(personas["carol"])
    response = client.post(reverse("cases:contact_add", args=[case.pk]), {
        "register_person": str(person.pk), "name": "", "phone": "", "starts_on": date.today().isoformat()})
    assert response.status_code == 302, response.content[:500]
    contact = AssistanceContact.objects.get(case=case)
    assert (contact.name, contact.unit, contact.phone) == ("登记联系人", "县水利局", "13711112222")
    assert ContactLink.objects.get(contact=contact).cadre == person
    held = services.with_households_held(Cadre.objects.filter(pk=person.pk), date.today()).get().households_held
    assert held == 1


def test_a_person_of_another_village_cannot_be_picked(client, personas):
    case = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False)
    other = make_cadre(CadreKind.CONTACT, village=VILLAGE_A2, name="邻村联系人", seq=7)
    client.force_login(personas["carol"])
    response = client.post(reverse("cases:contact_add", args=[case.pk]), {
        "register_person": str(other.pk), "name": "", "starts_on": date.today().isoformat()})
    assert response.status_code == 400
    assert not AssistanceContact.objects.filter(case=case).exists()


def test_a_typed_contact_still_works_and_is_not_linked(client, personas):
    case = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False)
    make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, seq=8)
    client.force_login(personas["carol"])
    response = client.post(reverse("cases:contact_add", args=[case.pk]), {
        "register_person": "", "name": "手写联系人", "phone": "13912345678", "starts_on": date.today().isoformat()})
    assert response.status_code == 302
    contact = AssistanceContact.objects.get(case=case)
    assert contact.name == "手写联系人" and not ContactLink.objects.filter(contact=contact).exists()


def test_contacts_typed_before_the_register_are_matched_by_name_in_the_township(regions):
    person = make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, name="老联系人", seq=9)
    same_township = make_contact(make_case(village=VILLAGE_A2, status=CaseStatus.MONITORED, contact=False),
                                 name="老联系人")
    other_name = make_contact(make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False),
                              name="别人")
    make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, name="重名", seq=10)
    make_cadre(CadreKind.CONTACT, village=VILLAGE_A2, name="重名", seq=11)
    ambiguous = make_contact(make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False), name="重名")
    assert services.link_contacts(Cadre.objects.all()) == 1
    assert ContactLink.objects.get(contact=same_township).cadre == person
    assert not ContactLink.objects.filter(contact__in=[other_name, ambiguous]).exists()
    assert services.link_contacts(Cadre.objects.all()) == 0  # nothing twice


def test_a_contacts_page_lists_only_the_households_the_reader_may_see(client, personas):
    person = make_cadre(CadreKind.CONTACT, village=VILLAGE_A1, name="跨村联系人", seq=12)
    here = make_case(village=VILLAGE_A1, status=CaseStatus.MONITORED, contact=False)
    there = make_case(village=VILLAGE_A2, status=CaseStatus.MONITORED, contact=False)
    for case in (here, there):
        ContactLink.objects.create(cadre=person, contact=make_contact(case, name=person.name))
    url = reverse("revitalization:cadre_detail", args=[person.pk])
    client.force_login(personas["carol"])  # the township: both
    page = client.get(url)
    assert page.context["households_held"] == 2
    assert {link.contact.case_id for link in page.context["contacts"]} == {here.pk, there.pk}
    client.force_login(personas["alice"])  # village A1: the other village's household is not listed
    html = client.get(url).content.decode()
    assert here.household.number in html and there.household.number not in html
