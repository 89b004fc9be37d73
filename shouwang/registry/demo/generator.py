"""A synthetic but realistic registry for the demo and for load tests: the households drawn.

Everything is drawn from one seeded ``random.Random`` and one seeded Faker (zh_CN), in a fixed
order, so the same household count and seed give the same households, members, ID numbers and
incomes on every run and every database. The shape follows what a Luxi registry looks like:
2.6–2.8 members per household, about 17 % ex-poor households, three-generation families, many
elderly people living alone, Miao/Tujia/Han members; incomes built from members (who works, for
how many months, who draws a pension or an allowance), so that low income, illness, disability
and lack of labour go together as they do in life.

:mod:`.services` writes what :class:`Generator` draws into the registry.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import accumulate

from django.utils.translation import gettext as _
from faker import Faker

from ..households.models import (
    Education,
    Health,
    HouseholdType,
    Labour,
    Relation,
    Schooling,
)
from .synthetic import make_id_number


class DemoError(ValueError):
    """The demo registry cannot be generated as asked (no villages, bad year range)."""


@dataclass
class Person:
    relation: str
    sex: str  # "M" / "F"
    age: int  # at the end of the last year
    surname: str
    ethnicity: str
    name: str = ""
    birth: date | None = None
    id_number: str = ""
    education: str = ""
    schooling: str = Schooling.NONE
    health: str = Health.HEALTHY
    disability_grade: int | None = None
    labour: str = Labour.ORDINARY
    work_location: str = ""
    work_months: int | None = None
    monthly_wage: float = 0.0
    phone: str = ""
    medical_insured: bool = True
    pension_insured: bool = False
    dibao: bool = False
    tekun: bool = False


@dataclass
class DemoHousehold:
    number: str
    village: str
    household_type: str
    relocated: bool
    settlement: str
    address: str
    members: list[Person] = field(default_factory=list)
    years: list[tuple] = field(default_factory=list)  # (year, member_count, amounts…, flags…)

    @property
    def no_labour(self) -> bool:
        return not any(p.labour in Labour.able() for p in self.members)


def _weighted(pairs: list[tuple[object, float]]) -> tuple[list, list[float]]:
    values = [v for v, _ in pairs]
    return values, list(accumulate(w for _, w in pairs))


# Household size 1..7, mean ≈ 2.7 (Luxi's rural households are small: many elderly alone or in pairs).
_SIZES = _weighted([(1, 0.20), (2, 0.32), (3, 0.21), (4, 0.14), (5, 0.08), (6, 0.04), (7, 0.01)])
_ETHNICITIES = _weighted(
    [("苗族", 0.60), ("土家族", 0.15), ("汉族", 0.22), ("回族", 0.01), ("侗族", 0.01), ("白族", 0.01)]
)
# Where migrant members work; Luxi's labour goes mostly to the Pearl River Delta and Changsha.
_PLACES = _weighted(
    [
        ("泸溪县内", 0.22),
        ("湘西州内", 0.10),
        ("湖南省长沙市", 0.14),
        ("广东省东莞市", 0.16),
        ("广东省深圳市", 0.12),
        ("广东省广州市", 0.10),
        ("浙江省宁波市", 0.06),
        ("浙江省温州市", 0.04),
        ("福建省厦门市", 0.03),
        ("上海市", 0.03),
    ]
)
# Educational attainment by birth cohort: older people had little schooling.
_EDUCATION_BY_COHORT = [
    (
        1955,
        _weighted(
            [
                (Education.ILLITERATE, 0.35),
                (Education.PRIMARY, 0.45),
                (Education.JUNIOR, 0.17),
                (Education.SENIOR, 0.03),
            ]
        ),
    ),
    (
        1971,
        _weighted(
            [
                (Education.ILLITERATE, 0.10),
                (Education.PRIMARY, 0.40),
                (Education.JUNIOR, 0.40),
                (Education.SENIOR, 0.08),
                (Education.VOCATIONAL, 0.02),
            ]
        ),
    ),
    (
        1986,
        _weighted(
            [
                (Education.ILLITERATE, 0.02),
                (Education.PRIMARY, 0.20),
                (Education.JUNIOR, 0.55),
                (Education.SENIOR, 0.13),
                (Education.VOCATIONAL, 0.06),
                (Education.COLLEGE, 0.04),
            ]
        ),
    ),
    (
        9999,
        _weighted(
            [
                (Education.PRIMARY, 0.05),
                (Education.JUNIOR, 0.42),
                (Education.SENIOR, 0.20),
                (Education.VOCATIONAL, 0.16),
                (Education.COLLEGE, 0.17),
            ]
        ),
    ),
]
_HOUSING = _weighted([("A", 0.74), ("B", 0.22), ("C", 0.03), ("D", 0.01)])


class Generator:
    """Draws households one after another; the draw order is the determinism contract."""

    def __init__(self, seed: int, first_year: int, last_year: int, today: date | None = None):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        person = self.fake.provider("faker.providers.person")
        self.surnames = _weighted(list(person.last_names.items()))
        self.male_names = list(person.first_names_male)
        self.female_names = list(person.first_names_female)
        self.male_singles = [n for n in self.male_names if len(n) == 1]
        self.female_singles = [n for n in self.female_names if len(n) == 1]
        self.first_year, self.last_year = first_year, last_year
        self.today = today or date.today()
        self.used_ids: set[str] = set()

    # -- small helpers -------------------------------------------------------------------
    def pick(self, table: tuple[list, list[float]]):
        values, cum = table
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def surname(self) -> str:
        return self.pick(self.surnames)

    def given_name(self, sex: str) -> str:
        names, singles = (
            (self.male_names, self.male_singles) if sex == "M" else (self.female_names, self.female_singles)
        )
        given = names[int(self.rng.random() * len(names))]
        # Rural given names are mostly two characters; most of Faker's zh_CN given names have one.
        if len(given) == 1 and self.chance(0.6):
            given = singles[int(self.rng.random() * len(singles))] + given
        return given

    # -- a household ---------------------------------------------------------------------
    def household(
        self, number: str, village: str, village_name: str, settlements: list[str]
    ) -> DemoHousehold:
        rng = self.rng
        ex_poor = self.chance(0.175)
        size = self.pick(_SIZES)
        if ex_poor and size < 6 and self.chance(0.25):
            size += 1  # ex-poor households are a little larger on average
        ethnicity = self.pick(_ETHNICITIES)
        members = self._family(size, ethnicity)
        relocated = ex_poor and self.chance(0.22) or (not ex_poor and self.chance(0.01))
        hh = DemoHousehold(
            number=number,
            village=village,
            household_type=HouseholdType.EX_POOR if ex_poor else HouseholdType.ORDINARY,
            relocated=relocated,
            settlement=settlements[int(rng.random() * len(settlements))] if relocated and settlements else "",
            address=f"{village_name}{rng.randint(1, 12)}组",
            members=members,
        )
        for p in members:
            self._person_details(p, ex_poor)
        self._household_guarantees(hh, ex_poor)
        for p in members:
            p.name = p.surname + self.given_name(p.sex)
            p.id_number = self._id_number(village[:6], p)
            if p.relation == Relation.HEAD or (18 <= p.age <= 70 and self.chance(0.6)):
                p.phone = self.fake.phone_number()
        hh.years = self._years(hh, ex_poor)
        return hh

    def _family(self, size: int, ethnicity: str) -> list[Person]:
        """Relations and ages that fit together: children younger than their parents by 20–38 years."""
        rng = self.rng
        family_name = self.surname()

        def person(
            relation: str, sex: str, age: int, surname: str | None = None, eth: str | None = None
        ) -> Person:
            return Person(relation, sex, max(0, min(age, 98)), surname or family_name, eth or ethnicity)

        def spouse_of(p: Person, relation: str) -> Person:
            eth = ethnicity if self.chance(0.75) else self.pick(_ETHNICITIES)
            return person(
                relation,
                "F" if p.sex == "M" else "M",
                p.age + rng.randint(-4, 3) * (1 if p.sex == "M" else -1),
                self.surname(),
                eth,
            )

        def children(mother_age: int, n: int, relation_m: str, relation_f: str) -> list[Person]:
            out, age = [], mother_age - rng.randint(21, 32)
            for _i in range(n):
                sex = "M" if self.chance(0.53) else "F"
                out.append(person(relation_m if sex == "M" else relation_f, sex, max(age, 0)))
                age -= rng.randint(1, 5)
            return out

        if size == 1:
            sex = "F" if self.chance(0.42) else "M"
            return [person(Relation.HEAD, sex, int(rng.triangular(38, 92, 74)))]
        head_sex = "M" if self.chance(0.86) else "F"
        r = rng.random()
        if size == 2:
            if r < 0.62:
                head = person(Relation.HEAD, head_sex, int(rng.triangular(42, 90, 68)))
                return [head, spouse_of(head, Relation.SPOUSE)]
            if r < 0.90:
                head = person(Relation.HEAD, head_sex, rng.randint(45, 85))
                return [head] + children(head.age, 1, Relation.SON, Relation.DAUGHTER)
            head = person(Relation.HEAD, "M", rng.randint(24, 50))
            return [head, person(Relation.PARENT, "F", head.age + rng.randint(22, 34), self.surname())]
        if r < 0.25:
            # Three generations under an older head: son, daughter-in-law, grandchildren.
            head = person(Relation.HEAD, head_sex, rng.randint(56, 80))
            out = [head]
            if self.chance(0.75):
                out.append(spouse_of(head, Relation.SPOUSE))
            son = person(Relation.SON, "M", head.age - rng.randint(22, 32))
            out.append(son)
            if len(out) < size:
                out.append(spouse_of(son, Relation.DAUGHTER_IN_LAW))
            if len(out) < size:
                out += children(out[-1].age, size - len(out), Relation.GRANDCHILD, Relation.GRANDCHILD)
            return out
        # A younger head with spouse, children and perhaps their own parents.
        head = person(Relation.HEAD, head_sex, rng.randint(26, 58))
        out = [head]
        if self.chance(0.88):
            out.append(spouse_of(head, Relation.SPOUSE))
        parents = []
        if size - len(out) >= 2 and self.chance(0.35):
            parents.append(person(Relation.PARENT, "F", head.age + rng.randint(22, 34), self.surname()))
            if size - len(out) >= 3 and self.chance(0.5):
                parents.append(person(Relation.PARENT, "M", parents[0].age + rng.randint(0, 4)))
        n_children = size - len(out) - len(parents)
        mother = out[1].age if len(out) > 1 else head.age
        return out + children(min(mother, head.age), n_children, Relation.SON, Relation.DAUGHTER) + parents

    def _person_details(self, p: Person, ex_poor: bool) -> None:
        """Schooling by age, health and labour by age and illness, work and insurance."""
        rng, age = self.rng, p.age
        # Schooling and attainment follow the age at the end of the last year.
        if age < 3:
            p.education, p.schooling = Education.PRESCHOOL, Schooling.NONE
        elif age < 6:
            p.education = Education.PRESCHOOL
            p.schooling = Schooling.PRESCHOOL if self.chance(0.88) else Schooling.NONE
        elif age < 12:
            p.education, p.schooling = Education.PRIMARY, Schooling.PRIMARY
        elif age < 15:
            p.education, p.schooling = Education.JUNIOR, Schooling.JUNIOR
        elif age < 18 and self.chance(0.9):
            if self.chance(0.6):
                p.education, p.schooling = Education.SENIOR, Schooling.SENIOR
            else:
                p.education, p.schooling = Education.VOCATIONAL, Schooling.SECONDARY_VOCATIONAL
        elif 18 <= age <= 22 and self.chance(0.4):
            p.education = Education.SENIOR
            p.schooling = Schooling.UNDERGRADUATE if self.chance(0.45) else Schooling.HIGHER_VOCATIONAL
        else:
            born = self.last_year - age
            table = next(t for limit, t in _EDUCATION_BY_COHORT if born < limit)
            p.education = self.pick(table)
            if age < 18 and p.education in (Education.SENIOR, Education.VOCATIONAL, Education.COLLEGE):
                p.education = Education.JUNIOR
        # Health: illness rises with age and is more common in ex-poor households.
        risk = 2.0 if ex_poor else 1.0
        r = rng.random()
        if r < (0.006 + 0.025 * (age >= 50)) * risk:
            p.health = Health.SERIOUS
        elif r < (0.006 + 0.025 * (age >= 50) + 0.035) * risk:
            p.health = Health.DISABLED
            p.disability_grade = self.pick(_weighted([(1, 0.15), (2, 0.25), (3, 0.30), (4, 0.30)]))
        elif r < (0.071 + 0.18 * (age >= 55) + 0.03) * risk:
            p.health = Health.CHRONIC
        # Labour capacity.
        in_school = p.schooling != Schooling.NONE
        if age < 16 or in_school or age >= 78:
            p.labour = Labour.NONE
        elif p.health == Health.SERIOUS or (p.health == Health.DISABLED and p.disability_grade <= 2):
            p.labour = Labour.LOST
        elif age >= 65 or p.health in (Health.CHRONIC, Health.DISABLED):
            p.labour = Labour.WEAK if self.chance(0.75) else Labour.LOST
        else:
            p.labour = Labour.SKILLED if self.chance(0.18) else Labour.ORDINARY
        # Work: most able adults under 60 work for wages, many of them outside the county.
        if p.labour in (Labour.SKILLED, Labour.ORDINARY) and age < 60 and self.chance(0.78):
            p.work_location = self.pick(_PLACES)
            local = p.work_location.startswith(("泸溪", "湘西"))
            p.work_months = rng.randint(4, 11) if local else rng.randint(7, 12)
            base = 3200 if local else 5000
            p.monthly_wage = base * rng.lognormvariate(0, 0.3) * (1.25 if p.labour == Labour.SKILLED else 1.0)
        elif p.labour in Labour.able() and age < 70 and self.chance(0.35):
            p.work_location = "泸溪县内"
            p.work_months = rng.randint(2, 8)
            p.monthly_wage = 2000 * rng.lognormvariate(0, 0.25)
        p.medical_insured = not self.chance(0.012)
        p.pension_insured = age >= 16 and not in_school and self.chance(0.88)

    def _household_guarantees(self, hh: DemoHousehold, ex_poor: bool) -> None:
        """低保 and 特困 go to households without income capacity, as they do in practice."""
        able = sum(p.labour in Labour.able() for p in hh.members)
        if len(hh.members) == 1 and able == 0 and self.chance(0.45):
            hh.members[0].tekun = True
        elif able <= 1 and self.chance(0.35 if ex_poor else 0.12):
            for p in hh.members:
                p.dibao = True

    def _id_number(self, county6: str, p: Person) -> str:
        """A valid, unique number whose 17th digit matches the member's sex."""
        rng = self.rng
        year = self.last_year - p.age
        born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        if born > self.today:
            born = born.replace(year=year - 1)
        p.birth = born
        female = p.sex == "F"
        seq = rng.randint(0, 999)
        for step in range(1000):
            number = make_id_number(county6, born, seq + 2 * step, female)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
        raise DemoError(
            _("No free ID sequence number on %(date)s in %(county)s.") % {"date": born, "county": county6}
        )

    # -- the yearly accounts -------------------------------------------------------------
    def _years(self, hh: DemoHousehold, ex_poor: bool) -> list[tuple]:
        rng, members = self.rng, hh.members
        # Farming (椪柑, vegetables, pigs): every able adult at home farms; most other households a little.
        farmers = sum(
            1 for p in members if p.labour in Labour.able() and not p.work_months and 16 <= p.age < 76
        )
        business = sum(rng.lognormvariate(9.3, 0.6) for _i in range(farmers))
        if self.chance(0.3 if hh.relocated else 0.55):
            business += rng.lognormvariate(7.6, 0.8)
        cost_share = rng.uniform(0.25, 0.55)
        land_rent = rng.uniform(200, 2500) if self.chance(0.22) else 0.0
        dividend = rng.uniform(300, 1200) if ex_poor and self.chance(0.5) else 0.0
        elderly_only = all(p.age >= 60 for p in members)
        support = (
            rng.uniform(4000, 16000) if elderly_only and self.chance(0.85) else 0.0
        )  # 赡养费 from children
        serious = sum(p.health == Health.SERIOUS for p in members)
        chronic = sum(p.health == Health.CHRONIC for p in members)
        disabled = [p for p in members if p.health == Health.DISABLED]
        grade = self.pick(_HOUSING)
        if ex_poor and grade in ("C", "D") and self.chance(0.5):
            grade = "B"  # dangerous houses of ex-poor households were mostly rebuilt
        fixed_in = rng.randint(self.first_year, self.last_year + 2) if grade in ("C", "D") else None
        water = not self.chance(0.015)
        # A shock: a year in which wages collapse (job lost, illness of the main earner).
        shock_year = rng.randint(self.first_year, self.last_year) if self.chance(0.05) else None
        school_kids = [p for p in members if 7 <= p.age <= 15]
        dropout_from = None
        if school_kids and self.chance(0.04):
            kid = school_kids[int(rng.random() * len(school_kids))]
            kid.schooling = Schooling.NONE
            dropout_from = rng.randint(max(self.first_year, self.last_year - kid.age + 7), self.last_year)
        uninsured = any(not p.medical_insured for p in members)
        uninsured_from = rng.randint(self.first_year, self.last_year) if uninsured else None

        accounts = []  # [year, members, wage, business, property, transfer, costs, oop, payouts]
        for year in range(self.first_year, self.last_year + 1):
            back = self.last_year - year
            growth = 1.06 ** (year - self.last_year)
            present = [p for p in members if p.birth.year <= year]
            wage = sum(p.monthly_wage * (p.work_months or 0) for p in present if p.age - back >= 16)
            wage *= growth * rng.uniform(0.85, 1.15)
            if year == shock_year:
                wage *= rng.uniform(0.0, 0.3)
            biz = business * growth * rng.uniform(0.7, 1.3)
            prop = (land_rent + dividend) * rng.uniform(0.9, 1.1)
            transfer = rng.uniform(200, 900)  # farmland and ecological subsidies
            transfer += sum(1700 + 80 * (year - 2021) for p in present if p.age - back >= 60)  # basic pension
            transfer += sum(4200 * growth for p in present if p.dibao)
            transfer += sum(7200 * growth for p in present if p.tekun)
            transfer += sum(1200 for p in disabled if p.disability_grade <= 2)  # 两项补贴
            transfer += support * rng.uniform(0.8, 1.2)
            if ex_poor:
                transfer += sum(rng.uniform(1000, 2500) for p in present if p.schooling != Schooling.NONE)
            oop = rng.lognormvariate(6.5, 0.9) if self.chance(0.55) else 0.0
            payouts = 0.0
            for _i in range(serious):
                oop += rng.lognormvariate(9.0, 0.7)
                payouts += rng.lognormvariate(10.0, 0.6)
            for _i in range(chronic):
                oop += rng.lognormvariate(7.0, 0.6)
            accounts.append([year, len(present), wage, biz, prop, transfer, biz * cost_share, oop, payouts])
        self._lift(accounts, members, ex_poor)

        out = []
        for year, count, *amounts in accounts:
            housing = grade if fixed_in is None or year < fixed_in else "B"
            out.append(
                (
                    year,
                    count,
                    *(Decimal(round(x)) for x in amounts),
                    housing,
                    water,
                    dropout_from is not None and year >= dropout_from,
                    uninsured_from is not None and year >= uninsured_from,
                )
            )
        return out

    def _lift(self, accounts: list[list], members: list[Person], ex_poor: bool) -> None:
        """Most structurally poor households get help that lifts them: the tail stays thin.

        An ex-poor household with someone able to work gets a public-welfare post (公益性岗位,
        paid as wages); others get more support from relatives (transfer income). About a quarter
        stay below, which is what screening is meant to find.
        """
        pcs = sorted((a[2] + a[3] + a[4] + a[5] - a[6]) / a[1] for a in accounts)
        if pcs[len(pcs) // 2] >= 8500 or not self.chance(0.75):
            return
        able = any(p.labour in Labour.able() and 16 <= p.age < 65 for p in members)
        column = 2 if ex_poor and able else 5
        amount = self.rng.uniform(5000, 9000) * (1 if column == 2 else max(1, len(members) * 0.6))
        for a in accounts:
            a[column] += amount * self.rng.uniform(0.9, 1.1)
