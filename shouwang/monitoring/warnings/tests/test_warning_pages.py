"""The warning pages: each village's queue, a warning's evidence and actions, counts by township."""

from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.models import Warning, WarningChannel, WarningStatus, WarningTransition
from shouwang.monitoring.tests.warning_helpers import make_warning

pytestmark = pytest.mark.django_db
TODAY = date(2024, 3, 5)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("shouwang.monitoring.warnings.services.today", lambda: TODAY)


def login(client, user):
    client.force_login(user)
    return client


def numbers_in_table(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/monitoring/warnings/\d+/">([^<]+)</a>', html)


def test_village_queue_lists_own_warnings_by_due_date_with_overdue_marked(client, personas):
    make_warning(VILLAGE_A1, due=date(2024, 3, 20), number="A1-later")
    make_warning(VILLAGE_A1, due=date(2024, 3, 1), number="A1-overdue")
    make_warning(VILLAGE_A1, due=date(2024, 3, 8), number="A1-soon")
    make_warning(VILLAGE_A2, due=date(2024, 3, 1), number="A2-x")
    make_warning(VILLAGE_B1, due=date(2024, 3, 1), number="B1-x")
    html = login(client, personas["alice"]).get("/monitoring/warnings/").content.decode()
    assert numbers_in_table(html) == ["A1-overdue", "A1-soon", "A1-later"]
    assert html.count('class="overdue"') == 1 and "1 warning is overdue" in html


def test_township_sees_its_villages_and_filters_by_village(client, personas):
    make_warning(VILLAGE_A1, number="A1-x")
    make_warning(VILLAGE_A2, number="A2-x")
    make_warning(VILLAGE_B1, number="B1-x")
    c = login(client, personas["carol"])
    assert sorted(numbers_in_table(c.get("/monitoring/warnings/").content.decode())) == ["A1-x", "A2-x"]
    assert numbers_in_table(c.get(f"/monitoring/warnings/?village={VILLAGE_A2}").content.decode()) == ["A2-x"]
    # A village outside the scope is not a choice: nothing, not the other township's rows.
    assert numbers_in_table(c.get(f"/monitoring/warnings/?village={VILLAGE_B1}").content.decode()) == []


def test_queue_filters_by_status_channel_and_rule(client, personas):
    make_warning(VILLAGE_A1, number="new-dropout")
    make_warning(VILLAGE_A1, number="verifying-housing", status=WarningStatus.VERIFYING, rule_code="HOUSING_UNSAFE")
    make_warning(VILLAGE_A1, number="dismissed", status=WarningStatus.DISMISSED)
    make_warning(VILLAGE_A1, number="report", rule_code=None, channel=WarningChannel.SELF_REPORT,
                 evidence={"difficulty": "illness"})
    make_warning(VILLAGE_A1, number="late", due=date(2024, 3, 4))
    c = login(client, personas["alice"])

    def shown(query: str) -> set[str]:
        return set(numbers_in_table(c.get(f"/monitoring/warnings/{query}").content.decode()))

    assert shown("") == {"new-dropout", "verifying-housing", "report", "late"}  # open by default
    assert shown("?status=dismissed") == {"dismissed"}
    assert shown("?status=verifying") == {"verifying-housing"}
    assert shown("?status=overdue") == {"late"}
    assert shown("?status=all") == {"new-dropout", "verifying-housing", "dismissed", "report", "late"}
    assert shown("?channel=self_report") == {"report"}
    assert shown("?rule=HOUSING_UNSAFE") == {"verifying-housing"}


def test_warning_page_shows_evidence_as_a_table_and_the_household_link(client, personas):
    w = make_warning(VILLAGE_A1, rule_code="INCOME_DROP", evidence={
        "rule": "INCOME_DROP", "rule_version": 1, "expression": "income_change <= -drop",
        "facts": {"income_change": -0.35, "per_capita_income": 6500}, "parameters": {"drop": 0.3},
        "window": ["2023-01-01", "2023-12-31"],
    })
    html = login(client, personas["alice"]).get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert "Sharp drop in income" in html and "INCOME_DROP" in html
    change = "change of per-capita net income against the previous year"
    assert f'<th scope="row">{change}</th>' in html and "-35.0 %" in html  # the fact by its name
    assert f"{change} is at most -30%" in html  # the condition in words, the parameter as its value
    assert "income_change" not in html  # the expression is a detail for those who edit rules
    assert f'href="/registry/households/{w.household_id}/"' in html
    assert 'name="action" value="verify"' in html and 'value="dismiss"' not in html


def test_a_report_warning_page_works_without_a_rule(client, personas):
    w = make_warning(VILLAGE_A1, rule_code=None, channel=WarningChannel.VISIT,
                     evidence={"finding": "roof collapsed", "note": "after storm"})
    html = login(client, personas["alice"]).get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert "Cadre visit" in html and "roof collapsed" in html


@pytest.mark.parametrize("name", ["bob", "judy", "dave", "ivan"])
def test_other_regions_warnings_answer_404(client, personas, name):
    w = make_warning(VILLAGE_A1)
    c = login(client, personas[name])
    assert c.get(f"/monitoring/warnings/{w.pk}/").status_code in (403, 404)
    assert c.post(f"/monitoring/warnings/{w.pk}/act/", {"action": "verify"}).status_code in (403, 404)
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.NEW


def test_village_cadre_of_another_village_gets_404(client, personas):
    w = make_warning(VILLAGE_A1)
    c = login(client, personas["bob"])
    assert c.get(f"/monitoring/warnings/{w.pk}/").status_code == 404
    assert c.post(f"/monitoring/warnings/{w.pk}/act/", {"action": "verify"}).status_code == 404


def test_cadre_verifies_then_dismisses_through_the_forms(client, personas):
    w = make_warning(VILLAGE_A1)
    c = login(client, personas["alice"])
    response = c.post(f"/monitoring/warnings/{w.pk}/act/", {"action": "verify"})
    assert response.status_code == 302 and response["Location"] == f"/monitoring/warnings/{w.pk}/"
    html = c.get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert 'value="dismiss"' in html and 'value="escalate"' in html and 'value="verify"' not in html
    response = c.post(f"/monitoring/warnings/{w.pk}/act/", {"action": "dismiss", "reason": ""})
    assert response.status_code == 400 and "reason is required" in response.content.decode()
    c.post(f"/monitoring/warnings/{w.pk}/act/", {"action": "dismiss", "reason": "Found work in town"})
    w.refresh_from_db()
    assert w.status == WarningStatus.DISMISSED and w.closing_note == "Found work in town"
    html = c.get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert "Found work in town" in html and 'name="action"' not in html
    assert WarningTransition.objects.filter(warning=w).count() == 2


@pytest.mark.parametrize("name", ["erin", "grace", "heidi"])
def test_readers_see_the_warning_but_may_not_act(client, personas, name):
    w = make_warning(VILLAGE_A1)
    c = login(client, personas[name])
    html = c.get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert "DROPOUT" in html and 'name="action"' not in html
    assert c.post(f"/monitoring/warnings/{w.pk}/act/", {"action": "verify"}).status_code == 403
    assert Warning.objects.get(pk=w.pk).status == WarningStatus.NEW


def test_department_officer_has_no_queue(client, personas):
    assert login(client, personas["ivan"]).get("/monitoring/warnings/").status_code == 403


def test_login_is_required(client, personas):
    response = client.get("/monitoring/warnings/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_counts_page_is_a_table_by_township(client, personas):
    make_warning(VILLAGE_A1, due=date(2024, 3, 1))
    make_warning(VILLAGE_B1, status=WarningStatus.ESCALATED)
    html = login(client, personas["erin"]).get("/monitoring/warnings/counts/").content.decode()
    assert "Warnings by township" in html
    row_a = re.search(r'data-code="433122102">(.*?)</tr>', html, re.S).group(1)
    assert "达岚镇" in row_a
    assert re.findall(r'<td class="num">(\d+)</td>', row_a) == ["1", "0", "1", "0", "0"]
    row_b = re.search(r'data-code="433122104">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row_b) == ["0", "0", "0", "0", "1"]


def test_counts_page_for_a_township_is_by_village(client, personas):
    make_warning(VILLAGE_A2)
    html = login(client, personas["carol"]).get("/monitoring/warnings/counts/").content.decode()
    assert "Warnings by village" in html and f'data-code="{VILLAGE_A2}"' in html
    assert 'data-code="433122104' not in html


def test_a_field_work_warning_lists_its_visits(client, personas):
    from django.db import transaction

    from shouwang.monitoring.tests.factories import household
    from shouwang.monitoring.warnings.services import add_signal, field_evidence

    h = household(VILLAGE_A1, number="visited")
    with transaction.atomic():
        entry = {"date": "2024-03-01", "visitor": "alice", "findings": ["illness"]}
        w = add_signal(h, WarningChannel.VISIT, field_evidence(WarningChannel.VISIT, entry),
                       on=date(2024, 3, 1)).warning
    html = login(client, personas["alice"]).get(f"/monitoring/warnings/{w.pk}/").content.decode()
    assert "Visit by alice" in html and "2024-03-01" in html
    assert 'name="action" value="verify"' in html
