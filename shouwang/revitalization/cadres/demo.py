"""The demo county's cadre and talent register: first secretaries and work teams in the key villages
with their days in the village, the assistance contacts the demo's cases already name, village
officials and reserve cadres, local talent, trainings with attendance.

The key villages are those of the village profiles of ``year`` (脱贫村, 软弱涣散村, 集体经济薄弱村),
read through the app registry (this package does not import the village profiles, which import it);
without profiles, every third village in code order stands in. People are saved through
:func:`.services.save_cadre` by the demo's county account (scoped, in the change log); the monthly days
and training attendance are written in bulk with one change-log entry each. Names come from a seeded
Faker (zh_CN), ID numbers from ``registry.demo.synthetic``, phones are drawn: all synthetic.
Everything random comes from ``random.Random(seed)`` in a fixed order; a county that already has a
register is left as it is.
"""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db import transaction
from faker import Faker

from shouwang.accounts.demo import acting_account
from shouwang.accounts.models import Role
from shouwang.cases.assistance.models import AssistanceContact
from shouwang.core.audit import Change, acting_as, record_changes
from shouwang.core.idnumbers import parse_id_number
from shouwang.regions.models import Region
from shouwang.registry.demo.synthetic import make_id_number

from . import services
from .models import Attendance, Cadre, CadreKind, TalentType, Training, TrainingAttendance

UNITS = ("县委组织部", "县财政局", "县农业农村局", "县乡村振兴局", "县交通运输局", "县水利局", "县教育局",
         "县卫生健康局", "县人社局", "县供销社", "州农科院", "县农商银行")
TALENT_POSITIONS = {
    TalentType.RETURNEE: ("电商创业者", "农家乐经营者", "养殖场主"),
    TalentType.GRADUATE: ("大学生村官", "村级后备力量", "电商运营"),
    TalentType.VETERAN: ("民兵连长", "护林员", "合作社社员"),
    TalentType.RETIREE: ("乡贤理事会成员", "退休教师", "退休医生"),
    TalentType.INSTRUCTOR: ("柑橘技术员", "养殖技术员", "茶叶技术员"),
    TalentType.BUSINESS_LEADER: ("合作社理事长", "家庭农场主", "龙头企业负责人"),
}
TRAININGS = (("高素质农民培育班", "产业技能"), ("驻村第一书记履职培训", "乡村治理"),
             ("农村电商实操培训", "电子商务"), ("柑橘提质增效技术培训", "种植技术"),
             ("防返贫监测帮扶业务培训", "监测帮扶"), ("村级后备干部培训班", "基层党建"))
# Who is invited to a training of each topic (local talent otherwise).
INVITED = {"乡村治理": (CadreKind.FIRST_SECRETARY, CadreKind.TEAM_MEMBER),
           "基层党建": (CadreKind.RESERVE, CadreKind.VILLAGE_OFFICIAL),
           "监测帮扶": (CadreKind.CONTACT, CadreKind.VILLAGE_OFFICIAL)}
SHORT_SHARE = 0.15  # first secretaries who spend too few days in the village




def key_villages(county_code: str, year: int) -> list[str]:
    """The key villages of the year's profiles, or every third village when there are none."""
    try:
        profiles = apps.get_model("revitalization", "VillageProfile")
    except LookupError:
        profiles = None
    if profiles is not None:
        found = list(profiles.objects.filter(region_code__startswith=county_code, year=year).key()
                     .order_by("region_code").values_list("region_code", flat=True))
        if found:
            return found
    villages = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=county_code).order_by("code")
    return list(villages.values_list("code", flat=True))[::3]


class _People:
    def __init__(self, rng: random.Random, seed: int, county: str) -> None:
        self.rng = rng
        self.county = county
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.seq = 0

    def name(self) -> str:
        return self.fake.last_name() + self.fake.first_name()

    def phone(self) -> str:
        return self.rng.choice(("139", "138", "137", "158", "187", "152")) + f"{self.rng.randrange(10**8):08d}"

    def fill(self, cadre: Cadre, low: int = 25, high: int = 58) -> Cadre:
        self.seq += 1
        birth = date(date.today().year - self.rng.randint(low, high), self.rng.randint(1, 12), self.rng.randint(1, 28))
        cadre.set_id(parse_id_number(make_id_number(self.county, birth, self.seq % 1000)))
        cadre.set_phone(self.phone())
        return cadre


def _months(year: int, start: date, until: date) -> list[date]:
    first = max(date(year, 1, 1), start.replace(day=1))
    last = min(until, date(year, 12, 31))
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def populate(county_code: str, year: int, seed: int, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    counts = {"first_secretaries": 0, "team_members": 0, "contacts": 0, "contacts_linked": 0, "village_officials": 0,
              "reserve_cadres": 0, "talent": 0, "attendance_months": 0, "trainings": 0, "training_attendance": 0}
    if Cadre.objects.filter(region_code__startswith=county_code).exists():
        return counts
    rng = random.Random(seed)
    people = _People(rng, seed, county_code)
    county = acting_account(Role.COUNTY, county_code)
    term_start = date(year - 1, 6, 1)
    residents: list[tuple[Cadre, bool]] = []
    with acting_as(county, "demo"):
        for village in key_villages(county_code, year):
            secretary = people.fill(Cadre(kind=CadreKind.FIRST_SECRETARY, name=people.name(), region_code=village,
                                          unit=rng.choice(UNITS), position="驻村第一书记兼工作队长",
                                          term_start=term_start, term_end=date(year + 1, 5, 31)))
            residents.append((services.save_cadre(secretary, county), rng.random() < SHORT_SHARE))
            counts["first_secretaries"] += 1
            for _ in range(rng.choice((1, 2, 2))):
                member = people.fill(Cadre(kind=CadreKind.TEAM_MEMBER, name=people.name(), region_code=village,
                                           unit=rng.choice(UNITS), position="驻村工作队员",
                                           term_start=term_start, term_end=date(year + 1, 5, 31)))
                residents.append((services.save_cadre(member, county), False))
                counts["team_members"] += 1
            for position in ("村党组织书记、村委会主任", "村委会委员"):
                official = people.fill(Cadre(kind=CadreKind.VILLAGE_OFFICIAL, name=people.name(), region_code=village,
                                             unit="村两委", position=position, term_start=date(2021, 1, 1),
                                             term_end=date(2026, 12, 31)))
                services.save_cadre(official, county)
                counts["village_officials"] += 1
            reserve = people.fill(Cadre(kind=CadreKind.RESERVE, name=people.name(), region_code=village,
                                        position="村级后备干部"), 22, 35)
            services.save_cadre(reserve, county)
            counts["reserve_cadres"] += 1

        villages = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=county_code)
                        .order_by("code").values_list("code", flat=True))
        for village in villages:
            for _ in range(rng.choice((0, 1, 1, 2))):
                kind = rng.choice(list(TalentType))
                talent = people.fill(Cadre(kind=CadreKind.TALENT, name=people.name(), region_code=village,
                                           talent_type=kind, position=rng.choice(TALENT_POSITIONS[kind])),
                                     60 if kind == TalentType.RETIREE else 22,
                                     72 if kind == TalentType.RETIREE else 50)
                services.save_cadre(talent, county)
                counts["talent"] += 1

        # The contacts the demo's cases name: one register person per name and township.
        named: dict[tuple[str, str], tuple[str, str, str]] = {}
        for contact in (AssistanceContact.objects.filter(region_code__startswith=county_code)
                        .order_by("region_code", "pk").only("name", "unit", "position", "phone", "region_code")):
            named.setdefault((contact.region_code[:9], contact.name.strip()),
                             (contact.region_code, contact.unit, contact.phone or ""))
        for (_township, name), (village, unit, phone) in sorted(named.items()):
            cadre = people.fill(Cadre(kind=CadreKind.CONTACT, name=name, region_code=village, unit=unit,
                                      position="帮扶责任人", term_start=date(year - 1, 1, 1)))
            if phone:
                cadre.set_phone(phone)
            services.save_cadre(cadre, county)
            counts["contacts"] += 1
        counts["contacts_linked"] = services.link_contacts(
            Cadre.objects.filter(region_code__startswith=county_code), county)

        with transaction.atomic():
            rows = []
            for cadre, short in residents:
                for month in _months(year, cadre.term_start or term_start, today):
                    length = calendar.monthrange(month.year, month.month)[1]
                    if month.year == today.year and month.month == today.month:
                        length = today.day
                    days = rng.randint(8, 14) if short else rng.randint(17, 23)
                    rows.append(Attendance(cadre=cadre, region_code=cadre.region_code, month=month,
                                           days=min(days, length), recorded_by=county))
            Attendance.objects.bulk_create(rows, batch_size=1000)
            counts["attendance_months"] = len(rows)
            record_changes([Change(action="create", object_type="revitalization.attendance", object_id=None,
                                   object_repr="demo", region_code=county_code, after={"months": len(rows)})])

        townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP, code__startswith=county_code)
                         .order_by("code").values_list("code", flat=True))
        for index, (title, topic) in enumerate(TRAININGS):
            region = county_code if index % 2 == 0 or not townships else rng.choice(townships)
            starts = date(year, 3 + index, rng.randint(5, 25))
            if starts > today:
                starts = today - timedelta(days=7 * (len(TRAININGS) - index))
            training = services.save_training(Training(
                title=title, topic=topic, organiser="县乡村振兴局" if region == county_code else "乡镇人民政府",
                place="县委党校" if region == county_code else "乡镇会议室", region_code=region, starts_on=starts,
                ends_on=starts + timedelta(days=rng.choice((0, 1, 2))), hours=rng.choice((8, 12, 16, 24))), county)
            counts["trainings"] += 1
            invited_kinds = INVITED.get(topic, (CadreKind.TALENT,))
            invited = list(Cadre.objects.filter(region_code__startswith=region, kind__in=invited_kinds)
                           .order_by("pk").values_list("pk", "region_code"))
            invited = rng.sample(invited, min(len(invited), 60))
            rows = [TrainingAttendance(training=training, cadre_id=pk, region_code=code, attended=rng.random() < 0.88)
                    for pk, code in invited]
            with transaction.atomic():
                TrainingAttendance.objects.bulk_create(rows, batch_size=1000)
                record_changes([Change(action="create", object_type="revitalization.trainingattendance",
                                       object_id=None, object_repr=title, region_code=region,
                                       after={"invited": len(rows)})])
            counts["training_attendance"] += len(rows)
    return counts
