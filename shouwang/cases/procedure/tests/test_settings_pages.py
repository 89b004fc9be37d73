"""The procedures' time-limit pages: the county administrator edits, everyone with "view" reads.

Personas (conftest.py): frank is the county administrator, erin a county officer, carol the
township officer of A, dave of B, alice a village cadre of A1.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_B1
from shouwang.cases.models import DayKind, ProcedureKind, ProcedureSettings, StepCode
from shouwang.cases.procedure.declarations import DECLARATIONS
from shouwang.cases.procedure.services import save_procedure_settings
from shouwang.cases.tests.factories import make_case
from shouwang.core.models import ChangeLog
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

CLUE = date(2024, 3, 1)  # a Friday


def login(client, personas, name):
    client.force_login(personas[name])
    return client


def form_data(**overrides):
    data = {"region_code": TOWNSHIP_A, "total_days": "20", "day_kind": DayKind.WORKING,
            "notice_min_days": "7", "elimination_stable_months": "12"}
    data.update(overrides)
    return data


def test_admin_creates_a_township_setting_that_sets_its_cases_deadlines(client, personas):
    login(client, personas, "frank")
    response = client.post(reverse("cases:settings_create"), form_data(step_verify="4", step_notice=""))
    assert response.status_code == 302 and response["Location"] == reverse("cases:settings_list")
    saved = ProcedureSettings.objects.get(region_code=TOWNSHIP_A)
    assert (saved.total_days, saved.day_kind, saved.notice_min_days, saved.elimination_stable_months) == (
        20, DayKind.WORKING, 7, 12)
    assert saved.step_days == {StepCode.VERIFY: 4}  # a blank step keeps its default
    assert ProcedureSettings.for_region(VILLAGE_A1) == saved
    assert ProcedureSettings.for_region(VILLAGE_B1).pk is None  # township B keeps the defaults

    in_a = make_case(make_household(VILLAGE_A1), first_clue_date=CLUE, today=CLUE)
    in_b = make_case(make_household(VILLAGE_B1), first_clue_date=CLUE, today=CLUE)
    a_procedure, b_procedure = in_a.procedures.get(), in_b.procedures.get()
    assert a_procedure.due_date == date(2024, 3, 29)  # 20 working days after Friday 1 March
    assert b_procedure.due_date == date(2024, 3, 16)  # the default: 15 calendar days
    assert a_procedure.steps.get(code=StepCode.VERIFY).due_date == date(2024, 3, 7)  # 4 working days


def test_admin_edits_a_setting_through_the_service_and_the_change_is_logged(client, personas):
    save_procedure_settings(personas["frank"], form_data())
    saved = ProcedureSettings.objects.get(region_code=TOWNSHIP_A)
    login(client, personas, "frank")
    page = client.get(reverse("cases:settings_edit", args=[saved.pk]))
    assert page.status_code == 200 and 'value="20"' in page.content.decode()
    response = client.post(reverse("cases:settings_edit", args=[saved.pk]),
                           form_data(region_code=TOWNSHIP_B, total_days="25", step_notice="8"))
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.region_code == TOWNSHIP_A  # the prefix of stored settings does not change
    assert saved.total_days == 25 and saved.step_days == {StepCode.NOTICE: 8}
    assert not ProcedureSettings.objects.filter(region_code=TOWNSHIP_B).exists()
    entry = ChangeLog.objects.filter(object_type="cases.proceduresettings", object_id=str(saved.pk)).first()
    assert entry.action == "update" and entry.username == "frank"
    assert (entry.before["total_days"], entry.after["total_days"]) == (20, 25)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("total_days", "0", "Between 1 and 120."),
    ("notice_min_days", "31", "Between 1 and 30."),
    ("region_code", "4331221", "A region code prefix is empty or 2, 4, 6, 9 or 12 digits."),
    ("day_kind", "lunar", "Select a valid choice."),
    ("step_verify", "61", "Ensure this value is less than or equal to 60."),
    ("total_days", "many", "Enter a whole number."),
])
def test_invalid_values_are_refused_with_an_error_on_the_field(client, personas, field, value, message):
    login(client, personas, "frank")
    response = client.post(reverse("cases:settings_create"), form_data(**{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and any(message in e for e in errors[field]), errors
    assert not ProcedureSettings.objects.exists()


def test_a_prefix_with_settings_is_not_overwritten_by_a_new_form(client, personas):
    save_procedure_settings(personas["frank"], form_data())
    login(client, personas, "frank")
    response = client.post(reverse("cases:settings_create"), form_data(total_days="30"))
    assert response.status_code == 400 and "region_code" in response.context["form"].errors
    assert ProcedureSettings.objects.get(region_code=TOWNSHIP_A).total_days == 20


def test_admin_cannot_set_limits_for_another_county(client, personas):
    login(client, personas, "frank")
    response = client.post(reverse("cases:settings_create"), form_data(region_code="433123"))
    assert response.status_code == 403 and "region_code" in response.context["form"].errors
    assert not ProcedureSettings.objects.exists()


@pytest.mark.parametrize("name", ["erin", "carol", "alice"])
def test_only_the_county_administrator_gets_the_form(client, personas, name):
    save_procedure_settings(personas["frank"], form_data())
    saved = ProcedureSettings.objects.get()
    login(client, personas, name)
    assert client.get(reverse("cases:settings_create")).status_code == 403
    assert client.post(reverse("cases:settings_create"), form_data(region_code="433122")).status_code == 403
    edit = client.post(reverse("cases:settings_edit", args=[saved.pk]), form_data(total_days="9"))
    assert edit.status_code == 403
    saved.refresh_from_db()
    assert saved.total_days == 20 and ProcedureSettings.objects.count() == 1
    listing = client.get(reverse("cases:settings_list")).content.decode()
    assert reverse("cases:settings_create") not in listing
    assert reverse("cases:settings_edit", args=[saved.pk]) not in listing


def test_the_list_shows_the_limits_in_force_in_the_users_region(client, personas):
    save_procedure_settings(personas["frank"], form_data())
    save_procedure_settings(personas["frank"],
                                             form_data(region_code=TOWNSHIP_B, total_days="30"))
    login(client, personas, "alice")
    html = client.get(reverse("cases:settings_list")).content.decode()
    assert "20 working days after the first clue" in html and "in force here" in html
    assert TOWNSHIP_A in html and TOWNSHIP_B not in html  # another township's limits are not shown
    login(client, personas, "dave")
    html = client.get(reverse("cases:settings_list")).content.decode()
    assert "30 working days after the first clue" in html and TOWNSHIP_A not in html
    login(client, personas, "frank")
    html = client.get(reverse("cases:settings_list")).content.decode()
    assert TOWNSHIP_A in html and TOWNSHIP_B in html
    assert "15 calendar days after the first clue" in html and "these are the defaults" in html
    assert reverse("cases:settings_create") in html


def test_the_list_shows_each_settings_history(client, personas):
    frank = personas["frank"]
    save_procedure_settings(frank, form_data())
    save_procedure_settings(frank,
                                             form_data(total_days="22", step_days={StepCode.VERIFY: 5}))
    login(client, personas, "carol")
    html = client.get(reverse("cases:settings_list")).content.decode()
    assert "2 changes" in html
    assert "Created" in html and "frank" in html
    assert "20 →" in html and "22" in html
    assert "Home verification 5" in html


def test_the_case_list_links_to_the_time_limits(client, personas):
    login(client, personas, "alice")
    assert reverse("cases:settings_list") in client.get(reverse("cases:case_list")).content.decode()


def test_step_inputs_follow_the_identification_declaration(client, personas):
    login(client, personas, "frank")
    html = client.get(reverse("cases:settings_create")).content.decode()
    for spec in DECLARATIONS[ProcedureKind.IDENTIFICATION]:
        assert f'name="step_{spec.code}"' in html and f'placeholder="{spec.days}"' in html
