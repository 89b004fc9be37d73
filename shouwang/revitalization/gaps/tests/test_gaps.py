"""The two gap lists on a hand-made registry, exactly: who is in each, and why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.monitoring.models import MonitoringLine
from shouwang.registry.models import Member

from ...enrolment.models import Enrolment, EnrolmentSource
from ...policies.tests.factories import household, policy
from .. import services as gaps

pytestmark = pytest.mark.django_db
YEAR = 2024
VOCATIONAL = 'schooling in ("secondary_vocational", "higher_vocational")'


@pytest.fixture
def world(regions):
    """Four households of 2024 and two policies: a person policy (vocational pupils) and a
    household policy (income under the line), with enrolments chosen to make each case."""
    MonitoringLine.objects.create(year=YEAR, region_code="", amount=Decimal("7500"))
    a = household(VILLAGE_A1, [{"name": "户主甲"}, {"name": "学甲", "birth_year": 2007,
                                                   "schooling": "secondary_vocational"}], wage="6000")
    b = household(VILLAGE_A1, [{"name": "学丙", "birth_year": 2006, "schooling": "higher_vocational"}],
                  wage="40000")
    c = household(VILLAGE_A2, [{"name": "学丁", "birth_year": 2006, "schooling": "secondary_vocational"}],
                  wage="10000")
    d = household(VILLAGE_B1, [{"name": "农戊", "birth_year": 1980}], wage="5000")
    yulu = policy("YULU", VOCATIONAL, subject="person", name_zh="雨露计划")
    low = policy("LOW", "per_capita_income < line", name_zh="低收入补助")
    m = {name: Member.objects.get(name=name) for name in ("学甲", "学丙", "学丁", "农戊")}

    def enrol(p, h, member=None, year=YEAR, amount="1500"):
        return Enrolment.objects.create(policy=p, year=year, household=h, member=member, amount=Decimal(amount),
                                        source=EnrolmentSource.HAND)

    enrol(yulu, c, m["学丁"])  # eligible and enrolled: no gap
    enrol(yulu, d, m["农戊"])  # enrolled, not a pupil: 应退未退
    enrol(yulu, d, m["农戊"], amount="1500")  # a second payment: still one subject
    enrol(yulu, a, m["学甲"], year=YEAR - 1)  # last year's enrolment does not count for 2024
    enrol(low, a)  # household policy: the household is enrolled, no gap
    enrol(low, b)  # 40,000 a head: 应退未退
    return {"a": a, "b": b, "c": c, "d": d, "yulu": yulu, "low": low, "m": m}


def _who(rows, world):
    names = {m.pk: m.name for m in world["m"].values()}
    numbers = {h.pk: key for key, h in world.items() if key in "abcd"}
    return sorted((numbers[r["household_id"]], names.get(r["member_id"])) for r in rows)


def test_person_policy_lists_exactly(world):
    assert _who(gaps.not_enrolled(world["yulu"], YEAR), world) == [("a", "学甲"), ("b", "学丙")]
    assert _who(gaps.not_eligible(world["yulu"], YEAR), world) == [("d", "农戊")]
    (row,) = gaps.not_eligible(world["yulu"], YEAR)
    assert row["enrolments"] == 2 and row["paid"] == Decimal("3000")


def test_household_policy_lists_exactly(world):
    # a: 3,000 a head, enrolled; b: 40,000, enrolled; c: 10,000, not; d: 5,000, not enrolled.
    assert _who(gaps.not_enrolled(world["low"], YEAR), world) == [("d", None)]
    assert _who(gaps.not_eligible(world["low"], YEAR), world) == [("b", None)]


def test_another_year_is_its_own(world):
    # In 2023 nobody has a registry row: the 2023 enrolment is 应退未退 there, and counts nowhere else.
    assert _who(gaps.not_eligible(world["yulu"], YEAR - 1), world) == [("a", "学甲")]
    assert list(gaps.not_enrolled(world["yulu"], YEAR - 1)) == []


def test_reasons_name_the_condition_and_its_value(world):
    (gone,) = gaps.describe(gaps.not_eligible(world["yulu"], YEAR), world["yulu"], YEAR)
    assert gone.member == "农戊" and gone.household_number == world["d"].number
    assert len(gone.conditions) == 1 and gone.conditions[0]["holds"] is False
    assert [f["name"] for f in gone.conditions[0]["facts"]] == ["schooling"]
    assert "schooling" in gaps.reason_text(gone, gaps.NOT_ELIGIBLE).lower() or gone.conditions[0]["facts"][0][
        "label"] in gaps.reason_text(gone, gaps.NOT_ELIGIBLE)
    rows = gaps.describe(gaps.not_enrolled(world["low"], YEAR), world["low"], YEAR)
    assert [r.household_number for r in rows] == [world["d"].number]
    (condition,) = rows[0].conditions
    assert condition["holds"] is True
    values = {f["name"]: f["value"] for f in condition["facts"]}
    assert values["per_capita_income"] == 5000


def test_scope_a_village_user_sees_only_their_village(world, personas):
    alice, judy = personas["alice"], personas["judy"]  # A1, B1
    assert _who(gaps.not_enrolled(world["yulu"], YEAR, gaps.within(alice), user=alice), world) == [
        ("a", "学甲"), ("b", "学丙")]
    assert list(gaps.not_eligible(world["yulu"], YEAR, gaps.within(alice), user=alice)) == []
    assert _who(gaps.not_eligible(world["yulu"], YEAR, gaps.within(judy), user=judy), world) == [("d", "农戊")]
    assert gaps.within(alice, VILLAGE_B1) == VILLAGE_A1  # asking outside one's region gives one's own


def test_counts_by_township_and_village(world, personas):
    rows, total = gaps.counts_by_area(world["yulu"], YEAR, "433122")
    by = {r.code: (r.not_enrolled, r.not_eligible) for r in rows}
    assert by["433122102"] == (2, 0) and by["433122104"] == (0, 1)
    assert (total.not_enrolled, total.not_eligible) == (2, 1)
    villages, _total = gaps.counts_by_area(world["yulu"], YEAR, "433122102")
    by = {r.code: (r.not_enrolled, r.not_enrolled_households) for r in villages}
    assert by[VILLAGE_A1] == (2, 2) and by[VILLAGE_A2] == (0, 0)


def test_gap_page_and_api(world, personas, client):
    client.force_login(personas["alice"])
    page = client.get(f"/revitalization/gaps/{world['yulu'].pk}/?year={YEAR}&kind=not_enrolled")
    assert page.status_code == 200
    text = page.content.decode()
    assert "学甲" in text and "学丙" in text and "农戊" not in text
    api = client.get(f"/api/revitalization/gaps/?policy={world['yulu'].pk}&year={YEAR}&kind=not_enrolled").json()
    assert sorted(r["member"] for r in api["results"]) == ["学丙", "学甲"]
    assert all(r["conditions"][0]["holds"] is True for r in api["results"])
    client.force_login(personas["erin"])
    counts = client.get(f"/api/revitalization/gaps/counts/?policy={world['yulu'].pk}&year={YEAR}").json()
    assert counts["total"]["not_enrolled"] == 2 and counts["total"]["not_eligible"] == 1
    index = client.get(f"/revitalization/gaps/?year={YEAR}")
    assert index.status_code == 200 and "雨露计划" in index.content.decode()


def test_exports_list_the_same_rows_with_reasons(world, personas, list_rows):
    alice, erin = personas["alice"], personas["erin"]
    params = {"policy": str(world["yulu"].pk), "year": str(YEAR), "kind": "not_enrolled"}
    assert list_rows.export(alice, "revitalization_gaps", params, column="享受对象") == ["学丙", "学甲"]
    params["kind"] = "not_eligible"
    assert list_rows.export(alice, "revitalization_gaps", params, column="享受对象") == []
    assert list_rows.export(erin, "revitalization_gaps", params, column="享受对象") == ["农戊"]
    (reason,) = list_rows.export(erin, "revitalization_gaps", params, column="原因")
    assert reason  # the failing condition in words, with the value
    listed = list_rows.export(erin, "revitalization_enrolments", {"year": str(YEAR)}, column="户编号")
    assert len(listed) == 5 and list_rows.export(alice, "revitalization_enrolments", {}, column="户编号") == sorted(
        [world["a"].number, world["a"].number, world["b"].number])
