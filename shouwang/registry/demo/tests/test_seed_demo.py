"""The demo registry: deterministic, realistic in shape, valid and encrypted like imported data."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection

from shouwang.core import crypto
from shouwang.core.idnumbers import mask_id_number, parse_id_number
from shouwang.registry.demo.services import DEMO_BATCH, delete_demo, seed_demo
from shouwang.registry.models import Household, HouseholdYear, Member, Relation, Schooling

LAST_YEAR = 2025


def _snapshot() -> list[tuple]:
    members = list(
        Member.objects.order_by("household__number", "id").values_list(
            "household__number",
            "name",
            "sex",
            "relation",
            "id_masked",
            "id_index",
            "birth_year",
            "phone_masked",
            "ethnicity",
            "health",
            "labour",
            "schooling",
        )
    )
    years = list(
        HouseholdYear.objects.order_by("household__number", "year").values_list(
            "household__number",
            "year",
            "member_count",
            "wage_income",
            "business_income",
            "property_income",
            "transfer_income",
            "business_costs",
            "compliant_out_of_pocket",
            "housing_grade",
        )
    )
    households = list(
        Household.objects.order_by("number").values_list(
            "number",
            "village_id",
            "household_type",
            "no_labour",
            "relocated",
            "address",
        )
    )
    return [households, members, years]


@pytest.fixture
def demo_2000(regions):
    seed_demo(2000, seed=11)
    return Household.objects.all()


def test_same_seed_gives_the_same_registry(regions):
    seed_demo(300, seed=5)
    first = _snapshot()
    plain_first = sorted(Member.objects.values_list("id_number", flat=True))
    assert delete_demo() == 300
    assert not Member.objects.exists()
    seed_demo(300, seed=5)
    assert _snapshot() == first
    assert sorted(Member.objects.values_list("id_number", flat=True)) == plain_first
    delete_demo()
    seed_demo(300, seed=6)
    assert _snapshot()[1] != first[1]


def test_households_are_on_real_villages_with_demo_numbers(regions):
    made = seed_demo(300, seed=1)
    assert made["households"] == Household.objects.count() == 300
    assert made["members"] == Member.objects.count()
    assert made["years"] == HouseholdYear.objects.count() == 300 * 5
    villages = set(regions.filter(level="village").values_list("code", flat=True))
    for number, village, region_code, batch in Household.objects.values_list(
        "number", "village_id", "region_code", "import_batch"
    ):
        assert village in villages
        assert region_code == village
        assert batch == DEMO_BATCH
        assert re.fullmatch(rf"D{village}\d{{4}}", number)
    assert set(Member.objects.values_list("region_code", flat=True)) <= villages
    assert not Member.objects.exclude(region_code__in=Household.objects.values("region_code")).exists()


def test_registry_shape_matches_a_luxi_county(demo_2000):
    households = demo_2000.count()
    members = Member.objects.count()
    assert 2.6 <= members / households <= 2.8
    ex_poor = demo_2000.filter(household_type="ex_poor").count() / households
    assert 0.15 <= ex_poor <= 0.20
    y2023 = HouseholdYear.objects.filter(year=2023)
    below = y2023.filter(per_capita_net_income__lt=Decimal("7500")).count()
    assert 0 < below < 0.15 * households
    assert y2023.filter(housing_grade__in=["C", "D"]).exists()
    assert HouseholdYear.objects.filter(dropout=True).exists()
    assert HouseholdYear.objects.filter(uninsured_member=True).exists()
    assert Member.objects.filter(medical_insured=False).exists()
    assert Member.objects.filter(health="serious").exists()
    assert Member.objects.filter(health="disabled", disability_grade__isnull=False).exists()
    assert demo_2000.filter(no_labour=True).exists()
    assert demo_2000.filter(relocated=True).exclude(settlement="").exists()
    ethnicities = list(Member.objects.values_list("ethnicity", flat=True))
    main = sum(e in ("苗族", "土家族", "汉族") for e in ethnicities) / len(ethnicities)
    assert main > 0.9
    assert ethnicities.count("苗族") > ethnicities.count("汉族")
    # Incomes spread: the top decile earns several times the bottom one.
    pcs = sorted(y2023.values_list("per_capita_net_income", flat=True))
    assert pcs[len(pcs) * 9 // 10] > 3 * pcs[len(pcs) // 10]


def test_no_labour_flag_means_no_able_member(demo_2000):
    able = ("skilled", "ordinary", "weak")
    with_able = set(Member.objects.filter(labour__in=able).values_list("household_id", flat=True))
    for hid, no_labour in demo_2000.values_list("id", "no_labour"):
        assert no_labour == (hid not in with_able)


def test_members_are_consistent_people(demo_2000):
    by_household: dict[int, list] = defaultdict(list)
    numbers = set()
    for m in Member.objects.all():
        by_household[m.household_id].append(m)
        parsed = parse_id_number(m.id_number)
        assert parsed.number == m.id_number
        assert parsed.sex == m.sex
        assert parsed.birth_date.year == m.birth_year
        assert m.id_number[:6] == m.region_code[:6]
        assert m.id_masked == mask_id_number(m.id_number)
        assert m.id_index == crypto.blind_index(m.id_number)
        assert m.name and 2 <= len(m.name) <= 4
        if m.phone:
            assert re.fullmatch(r"1\d{10}", m.phone)
            assert m.phone_masked == crypto.mask_phone(m.phone)
        numbers.add(m.id_number)
        age = LAST_YEAR - m.birth_year
        expected = {
            Schooling.PRIMARY: (6, 11),
            Schooling.JUNIOR: (12, 14),
            Schooling.SENIOR: (15, 17),
            Schooling.SECONDARY_VOCATIONAL: (15, 17),
            Schooling.PRESCHOOL: (3, 5),
            Schooling.HIGHER_VOCATIONAL: (18, 22),
            Schooling.UNDERGRADUATE: (18, 22),
        }.get(m.schooling)
        if expected:
            assert expected[0] <= age <= expected[1], (m.schooling, age)
            assert m.labour == "none"
        if age < 16:
            assert m.labour == "none"
    assert len(numbers) == Member.objects.count()
    for members in by_household.values():
        heads = [m for m in members if m.relation == Relation.HEAD]
        assert len(heads) == 1
        head = heads[0]
        for m in members:
            if m.relation in (Relation.SON, Relation.DAUGHTER):
                assert m.birth_year >= head.birth_year + 15
            if m.relation == Relation.PARENT:
                assert m.birth_year <= head.birth_year - 15
            if m.relation == Relation.GRANDCHILD:
                assert m.birth_year >= head.birth_year + 30
            if m.relation == Relation.SPOUSE:
                assert m.sex != head.sex


def test_member_count_per_year_counts_members_born_by_then(demo_2000):
    born: dict[int, list[int]] = defaultdict(list)
    for hid, year in Member.objects.values_list("household_id", "birth_year"):
        born[hid].append(year)
    for hid, year, count in HouseholdYear.objects.values_list("household_id", "year", "member_count"):
        assert count == sum(b <= year for b in born[hid])


def test_database_holds_no_plaintext_id_or_phone(regions):
    seed_demo(300, seed=3)
    tables = [Member._meta.db_table, Household._meta.db_table, HouseholdYear._meta.db_table]
    stored = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")
            stored += [str(value) for row in cursor.fetchall() for value in row if value is not None]
    everything = "\n".join(stored)
    plaintexts = [(m.id_number, m.phone) for m in Member.objects.all()]
    assert len(plaintexts) > 300
    for number, phone in plaintexts:
        assert number not in everything
        assert not phone or phone not in everything
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, phone FROM {Member._meta.db_table} ORDER BY id LIMIT 20")
        raw = cursor.fetchall()
    members = Member.objects.in_bulk([r[0] for r in raw])
    for pk, id_cipher, phone_cipher in raw:
        member = members[pk]
        assert id_cipher != member.id_number and id_cipher.startswith("g1:")
        assert crypto.decrypt(id_cipher) == member.id_number
        if member.phone:
            assert phone_cipher != member.phone and crypto.decrypt(phone_cipher) == member.phone
