"""Eligibility of person and household policies on a hand-made registry, boundaries included."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.models import MonitoringLine
from shouwang.monitoring.rules.compiler import RuleError

from ..eligibility import check, eligible, explain
from .factories import household, policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(regions):
    """Four households in 2024: who each member is decides each policy below."""
    MonitoringLine.objects.create(year=2024, region_code="", amount=Decimal("7500"))
    a = household(VILLAGE_A1, [
        {"name": "老甲", "birth_year": 1964},  # 60 in 2024: exactly at the limit
        {"name": "学乙", "birth_year": 2006, "schooling": "secondary_vocational"},
        {"name": "残丙", "birth_year": 1980, "disability_grade": 1, "labour": "none"},
    ], wage="18000")  # 6,000 per head: below the line
    b = household(VILLAGE_A2, [
        {"name": "中丁", "birth_year": 1965},  # 59
        {"name": "残戊", "birth_year": 1990, "disability_grade": 3, "dibao": True},
    ], wage="40000", relocated=True)
    c = household(VILLAGE_B1, [
        {"name": "保己", "birth_year": 1950, "dibao": True, "tekun": False},
        {"name": "无名", "birth_year": None},
    ], wage="10000")
    d = household(VILLAGE_B1, [{"name": "往年", "birth_year": 1940}], year=2023)  # no 2024 row
    return {"a": a, "b": b, "c": c, "d": d}


def _names(rows):
    from shouwang.registry.models import Member

    ids = [r["member_id"] for r in rows]
    return sorted(Member.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_age_at_exactly_the_limit_counts(registry):
    p = policy("OLD", "age >= 60", subject="person")
    assert _names(eligible(p, 2024)) == ["保己", "老甲"]  # 60 and 74; 59 not; no birth year not; no 2024 row not
    assert _names(eligible(p, 2025)) == []  # nobody has a 2025 row


def test_disability_grade_one_versus_three(registry):
    severe = policy("SEVERE", "disability_grade <= grade", subject="person", parameters={"grade": 2})
    assert _names(eligible(severe, 2024)) == ["残丙"]
    any_grade = policy("ANY", "disabled", subject="person")
    assert _names(eligible(any_grade, 2024)) == ["残丙", "残戊"]
    assert _names(eligible(severe, 2024, parameters={"grade": 3})) == ["残丙", "残戊"]  # a draft's parameter


def test_dibao_true_and_false(registry):
    on = policy("DIBAO", "dibao", subject="person")
    assert _names(eligible(on, 2024)) == ["保己", "残戊"]
    off = policy("NODIBAO", "not dibao and age >= 18", subject="person")
    assert _names(eligible(off, 2024)) == ["中丁", "学乙", "残丙", "老甲"]


def test_person_rule_mixing_member_and_household_facts(registry):
    p = policy("YULU", 'schooling in ("secondary_vocational", "higher_vocational") and ex_poor', subject="person")
    assert _names(eligible(p, 2024)) == []  # not an ex-poor household
    registry["a"].household_type = "ex_poor"
    registry["a"].save()
    rows = list(eligible(p, 2024))
    assert _names(rows) == ["学乙"]
    assert rows[0]["household_id"] == registry["a"].pk and rows[0]["region_code"] == VILLAGE_A1


def test_household_policies(registry):
    below = policy("LOW", "per_capita_income < line")
    rows = list(eligible(below, 2024))
    assert sorted(r["household_id"] for r in rows) == sorted([registry["a"].pk, registry["c"].pk])
    assert all(r["member_id"] is None for r in rows)
    relocated = policy("RELOC", "relocated or dibao_household")
    assert sorted(r["household_id"] for r in eligible(relocated, 2024)) == sorted(
        [registry["b"].pk, registry["c"].pk])
    counted = policy("DIS", "disabled_members >= 1 and not relocated")
    assert [r["household_id"] for r in eligible(counted, 2024)] == [registry["a"].pk]
    labour = policy("LAB", "labour_members == 0")  # a screening aggregate, read as a subquery here
    assert [r["household_id"] for r in eligible(labour, 2024)] == []
    labour2 = policy("LAB2", "labour_members <= 2 and safety_net")
    assert sorted(r["household_id"] for r in eligible(labour2, 2024)) == sorted([registry["b"].pk, registry["c"].pk])


def test_region_period_and_county(registry, regions):
    p = policy("ALL", "True")
    assert eligible(p, 2024).count() == 3
    assert eligible(p, 2024, "433122102").count() == 2
    assert eligible(p, 2024, VILLAGE_B1).count() == 1
    persons = policy("ALLP", "True", subject="person")
    assert eligible(persons, 2024).count() == 7
    p.start_date, p.end_date = date(2025, 1, 1), None
    assert eligible(p, 2024).count() == 0 and eligible(p, 2024).exists() is False
    p.start_date, p.end_date = date(2021, 1, 1), date(2024, 1, 1)
    assert eligible(p, 2024).count() == 3
    other = policy("ALL", "True", county="433123")  # another county's policy reaches none of this county
    assert eligible(other, 2024).count() == 0


def test_queryset_composes_in_the_database(registry):
    from django.db.models import Count

    p = policy("OLD", "age >= 60", subject="person")
    by_village = dict(eligible(p, 2024).values_list("region_code").annotate(n=Count("pk")).values_list(
        "region_code", "n"))
    assert by_village == {VILLAGE_A1: 1, VILLAGE_B1: 1}


def test_check_messages():
    assert check("age >= 60", {}, "person") == []
    assert check("per_capita_income < line", {}, "household") == []
    errors = check("age >= 60", {}, "household")
    assert len(errors) == 1 and "age" in errors[0] and "person" in errors[0]
    assert "Column 8" in check("age >= limit", {}, "person")[0]  # an unknown name, at its place
    assert check("age >=", {}, "person")[0].startswith("Column")
    assert check("dibao", {"age": 3}, "person")  # a parameter with a fact's name
    assert check("__import__('os')", {}, "person")
    with pytest.raises(RuleError):
        eligible(policy("X", "True", subject="person"), 2024, expression="nonsense >")


def test_explain(registry):
    from shouwang.registry.models import Member

    p = policy("SEVERE", "age >= 18 and (disability_grade <= 2 or dibao)", subject="person")
    member = Member.objects.get(name="残戊")
    why = explain(p, 2024, registry["b"].pk, member.pk)
    assert [w["expression"] for w in why] == ["age >= 18", "disability_grade <= 2", "dibao"]
    assert [w["holds"] for w in why] == [True, False, True]
    assert why[0]["facts"][0]["value"] == 34 and why[0]["facts"][0]["label"] == "age"
    assert why[1]["facts"][0]["value"] == 3
    assert why[2]["facts"][0]["value"] is True and why[2]["facts"][0]["text"] == "yes"
    assert why[0]["condition"] == "age is at least 18"
    nobody = Member.objects.get(name="无名")
    assert explain(p, 2024, registry["c"].pk, nobody.pk)[0]["holds"] is None  # no birth year: unknown
    assert explain(p, 2024, registry["d"].pk, registry["d"].members.get().pk) == []
    h = policy("LOW", "per_capita_income < line and not relocated")
    why = explain(h, 2024, registry["b"].pk)
    assert [w["holds"] for w in why] == [False, False]
    assert why[0]["facts"][0]["value"] == 20000 and why[0]["facts"][1]["value"] == 7500
    assert why[1]["condition"] == "the household was not relocated"
