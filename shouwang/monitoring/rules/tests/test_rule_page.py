"""The rules pages: list and versions for readers; editing, checking and previewing for the administrator."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.core.models import ChangeLog
from shouwang.monitoring.models import HouseholdMemberFacts, HouseholdSignalFacts, Rule, RuleVersion, Signal, Warning
from shouwang.monitoring.screening.preview import PreviewError, preview_rule
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household
from shouwang.registry.models import Labour

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(regions):
    """A small 2023 registry (Hunan line 7,500) where each default rule fires on some households."""
    household(VILLAGE_A1, number="A1-poor", wage="7499")
    household(VILLAGE_A1, number="A1-at-line", wage="7500")
    household(VILLAGE_A1, number="A1-drop", prev_wage="16000", wage="11200")
    household(VILLAGE_A2, number="A2-dropout", dropout=True)
    household(VILLAGE_A2, number="A2-house", housing_grade="D")
    household(VILLAGE_B1, number="B1-no-labour", members=2, labour=[Labour.NONE, Labour.NONE])
    household(VILLAGE_B1, number="B1-no-labour-dibao", members=2, labour=[Labour.NONE, Labour.NONE], dibao=True)
    household(VILLAGE_B1, number="B1-water", water_secured=False, wage="7000")
    household(VILLAGE_B1, number="B1-fine")


def check(client, **data):
    response = client.post("/monitoring/rules/check/", data)
    assert response.status_code == 200, response.content
    return response.json()


def test_everyone_with_a_view_role_reads_the_rules(client, personas):
    client.force_login(personas["alice"])
    html = client.get("/monitoring/rules/").content.decode()
    assert "INCOME_BELOW_LINE" in html and "per-capita net income is below the monitoring line" in html
    assert "/monitoring/rules/new/" not in html
    rule = Rule.objects.get(code="INCOME_DROP")
    detail = client.get(f"/monitoring/rules/{rule.pk}/").content.decode()
    assert "is at most -30%" in detail and "1.5 × the monitoring line" in detail  # parameters as values
    assert "line_multiple" not in detail and "/edit/" not in detail  # the expression is the editors' detail


@pytest.mark.parametrize("name", ["alice", "carol", "erin", "grace", "heidi", "ivan"])
def test_only_the_administrator_edits_and_checks_rules(client, personas, name):
    client.force_login(personas[name])
    rule = Rule.objects.get(code="DROPOUT")
    assert client.get(f"/monitoring/rules/{rule.pk}/edit/").status_code == 403
    assert client.get("/monitoring/rules/new/").status_code == 403
    assert client.post("/monitoring/rules/check/", {"expression": "dropout"}).status_code == 403


def test_check_reports_an_unknown_name_with_its_column(client, personas):
    client.force_login(personas["frank"])
    data = check(client, expression="per_capita_income < lien", parameters="")
    assert data["ok"] is False and data["field"] == "expression"
    assert data["column"] == 21 and data["line"] == 1
    assert "lien" in data["error"] and "line" in data["error"] and "Column 21" in data["error"]


def test_check_reports_a_syntax_error_with_its_column(client, personas):
    client.force_login(personas["frank"])
    data = check(client, expression="dropout and (housing_grade ==", parameters="")
    assert data["ok"] is False and data["field"] == "expression" and data["column"] is not None
    assert "Syntax error" in data["error"]


def test_check_refuses_what_the_language_forbids(client, personas):
    client.force_login(personas["frank"])
    data = check(client, expression="__import__('os').system('true')", parameters="")
    assert data["ok"] is False and data["column"] == 1 and "not allowed" in data["error"]


def test_check_reports_bad_parameters(client, personas):
    client.force_login(personas["frank"])
    assert check(client, expression="dropout", parameters="{drop: 0.3")["field"] == "parameters"
    data = check(client, expression="dropout", parameters='{"drop": "a lot"}')
    assert data["ok"] is False and data["field"] == "parameters" and "drop" in data["error"]


def test_check_counts_and_lists_who_would_fire(client, personas, registry):
    client.force_login(personas["frank"])
    data = check(client, expression="per_capita_income < line", parameters="")
    assert data["ok"] is True and data["year"] == 2023 and data["facts"] == ["per_capita_income", "line"]
    # Two-person no-labour households earn 10,000 together: 5,000 each.
    assert data["count"] == 4
    assert [h["number"] for h in data["households"]] == ["A1-poor", "B1-no-labour", "B1-no-labour-dibao", "B1-water"]
    first = data["households"][0]
    assert first["facts"] == {"per_capita_income": "7,499", "line": "7,500"}
    assert first["url"].startswith("/registry/households/")


def test_check_lists_at_most_twenty_but_counts_all(regions, personas):
    for i in range(23):
        household(VILLAGE_A1, number=f"P{i:02d}", wage="5000")
    preview = preview_rule("per_capita_income < line", {}, personas["frank"])
    assert preview.count == 23 and len(preview.households) == 20
    assert preview.households[0].number == "P00"


@pytest.mark.parametrize("code", [
    "INCOME_BELOW_LINE", "INCOME_DROP", "ADJUSTED_INCOME_BELOW_LINE", "DROPOUT", "HOUSING_UNSAFE", "WATER_UNSAFE",
    "NO_LABOUR_NO_SAFETY_NET",
])
def test_preview_count_equals_what_screening_fires(personas, registry, code):
    rule = Rule.objects.get(code=code)
    preview = preview_rule(rule.expression, rule.parameters, personas["frank"])
    result = screen()
    assert preview.count == result.per_rule[code] > 0
    fired = set(Signal.objects.filter(rule=rule).values_list("household__number", flat=True))
    assert {h.number for h in preview.households} == fired


def test_preview_runs_one_query_on_the_registry_and_writes_nothing(personas, registry):
    before = (Warning.objects.count(), ChangeLog.objects.count(), RuleVersion.objects.count())
    with CaptureQueriesContext(connection) as queries:
        preview = preview_rule("(no_labour or labour_members == 0) and not safety_net", {}, personas["frank"],
                               year=2023)
    assert preview.count == 1 and preview.households[0].number == "B1-no-labour"
    on_registry = [q["sql"] for q in queries if "registry_householdyear" in q["sql"]]
    assert len(on_registry) == 1
    # The only writes go to the run's temporary aggregates, which are dropped afterwards.
    temporary = (HouseholdMemberFacts._meta.db_table, HouseholdSignalFacts._meta.db_table)
    stored = [q["sql"] for q in queries if not any(table in q["sql"] for table in temporary)]
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "CREATE")) for sql in stored)
    assert (Warning.objects.count(), ChangeLog.objects.count(), RuleVersion.objects.count()) == before


def test_preview_stays_in_the_users_region(personas, registry):
    # A township-scoped preview (not reachable from the page, which is the administrator's) is cut too.
    preview = preview_rule("per_capita_income < line", {}, personas["carol"])
    assert [h.number for h in preview.households] == ["A1-poor"]


def test_preview_error_carries_the_position(personas):
    with pytest.raises(PreviewError) as exc:
        preview_rule("dropout and", {}, personas["frank"])
    assert exc.value.field == "expression" and exc.value.column is not None


def test_administrator_saves_a_new_version_through_the_page(client, personas):
    client.force_login(personas["frank"])
    rule = Rule.objects.get(code="INCOME_DROP")
    page = client.get(f"/monitoring/rules/{rule.pk}/edit/").content.decode()
    assert 'data-check-url="/monitoring/rules/check/"' in page and "rule_edit.js" in page
    assert "medical_out_of_pocket_12m" in page  # the facts reference
    form = {
        "code": "IGNORED", "name_zh": rule.name_zh, "name_en": rule.name_en, "risk_type": rule.risk_type,
        "severity": rule.severity, "expression": rule.expression, "description": "",
        "parameters": json.dumps({"drop": 0.25, "line_multiple": 1.5}), "active": "on",
    }
    response = client.post(f"/monitoring/rules/{rule.pk}/edit/", form)
    assert response.status_code == 302 and response["Location"] == f"/monitoring/rules/{rule.pk}/"
    rule.refresh_from_db()
    assert rule.code == "INCOME_DROP" and rule.version == 2 and rule.parameters["drop"] == 0.25
    assert RuleVersion.objects.get(rule=rule, version=2).changed_by == personas["frank"]
    assert ChangeLog.objects.filter(object_type="monitoring.rule", object_id=str(rule.pk), username="frank").exists()
    detail = client.get(f"/monitoring/rules/{rule.pk}/").content.decode()
    assert "drop=0.25" in detail and "drop=0.3" in detail  # both versions listed


def test_a_bad_expression_is_not_saved_and_the_form_says_where(client, personas):
    client.force_login(personas["frank"])
    rule = Rule.objects.get(code="DROPOUT")
    form = {"name_zh": rule.name_zh, "name_en": rule.name_en, "risk_type": rule.risk_type,
            "severity": rule.severity, "expression": "dropout and housing_grad == 'C'", "parameters": "{}",
            "active": "on"}
    response = client.post(f"/monitoring/rules/{rule.pk}/edit/", form)
    assert response.status_code == 200
    assert "Column 13" in response.content.decode() and "housing_grade" in response.content.decode()
    rule.refresh_from_db()
    assert rule.version == 1 and rule.expression == "dropout"


def test_administrator_adds_a_rule(client, personas):
    client.force_login(personas["frank"])
    form = {"code": "LOW_INCOME_BIG_FAMILY", "name_zh": "多人口低收入", "name_en": "Large family, low income",
            "risk_type": "", "severity": "low", "expression": "members >= 5 and per_capita_income < 1.2 * line",
            "parameters": "", "description": "", "active": "on"}
    response = client.post("/monitoring/rules/new/", form)
    assert response.status_code == 302
    rule = Rule.objects.get(code="LOW_INCOME_BIG_FAMILY")
    assert rule.version == 1 and rule.parameters == {} and rule.versions.count() == 1


def test_rules_pages_show_conditions_in_words_and_the_expression_only_to_editors(client, personas):
    rule = Rule.objects.get(code="INCOME_BELOW_LINE")
    client.force_login(personas["carol"])
    listing = client.get("/monitoring/rules/").content.decode()
    assert "per-capita net income is below the monitoring line" in listing and "per_capita_income" not in listing
    detail = client.get(f"/monitoring/rules/{rule.pk}/").content.decode()
    assert "per-capita net income is below the monitoring line" in detail and "per_capita_income" not in detail
    client.force_login(personas["frank"])
    detail = client.get(f"/monitoring/rules/{rule.pk}/").content.decode()
    assert re.search(r"<details[^>]*>\s*<summary>[^<]*</summary>\s*<pre[^>]*>per_capita_income &lt; line</pre>", detail)


def test_administrator_builds_a_simple_rule_from_a_fact_a_comparison_and_a_value(client, personas):
    client.force_login(personas["frank"])
    page = client.get("/monitoring/rules/new/").content.decode()
    assert 'name="simple_fact"' in page and 'name="simple_comparison"' in page and 'name="simple_value"' in page
    form = {"code": "BIG_MEDICAL_BILL", "name_zh": "医疗费用大", "name_en": "Big medical bill", "risk_type": "YB",
            "severity": "high", "mode": "simple", "simple_fact": "medical_out_of_pocket_12m",
            "simple_comparison": ">=", "simple_value": "30,000", "simple_other": "", "expression": "",
            "parameters": "", "description": "", "active": "on"}
    response = client.post("/monitoring/rules/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get(code="BIG_MEDICAL_BILL")
    assert rule.expression == "medical_out_of_pocket_12m >= 30000"
    edit = client.get(f"/monitoring/rules/{rule.pk}/edit/")
    assert edit.context["form"].initial["simple_value"] == "30000"  # the simple form is filled again

    form |= {"code": "WRONG_COMPARISON", "simple_fact": "dropout"}  # a flag cannot be ">= 30,000"
    response = client.post("/monitoring/rules/new/", form)
    assert response.status_code == 200 and not Rule.objects.filter(code="WRONG_COMPARISON").exists()
    assert response.context["form"].errors["simple_value"]
