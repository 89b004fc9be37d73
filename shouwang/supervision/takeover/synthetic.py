"""Synthetic exports of the national system, in its layout (:mod:`.layout`), for tests, benchmarks and the demo.

:func:`write_national_export` writes a workbook as a county would download it: the person sheet
(two title rows, the header on the third row, one row per person grouped by 户编号, the columns of
:data:`.layout.EXPORT_ORDER`, Chinese labels of :data:`.layout.TABLES`) and the work-monitoring
sheet 已外出务工. Households, members, ID numbers and incomes are drawn by the demo registry's
:class:`~shouwang.registry.demo.generator.Generator`, so relations, ages, schooling, health, labour
and incomes fit together; what the national export adds (the household type, the monitoring record
with its risks, measures, contact and dates, the work spells) is drawn here from a second random
stream, consistent with the consistency checks (a measure for each risk and guarantee gap, nobody
eliminated without labour, a guarantee or an income above the line). Most disabled people are
written with their 残疾人证 (证件类型 残疾人证, the ID number followed by the category and grade
digits). The same arguments give the same workbook, byte for byte.

Mix: about 25 % ex-poor households; 5–8 % monitored (mostly 脱贫不稳定户 and 边缘易致贫户, a few
突发严重困难户), of whom about 60 % eliminated (mostly 帮扶消除). Every category in every state
and every state (open, eliminated by either mode) is present in any file of 15 households or more.

``messy`` adds what real exports have and the importer must still read: header synonyms,
phones as ``138….0``, full-width digits in an amount, spaces around labels, multi-selects joined
with 、, ``YYYY年MM月`` months. ``problems`` injects exactly one of each problem the importer
must report (:data:`PROBLEM_CODES`) and lists them in the summary by the row the user sees; every
other cell is the same as without ``problems``, so that file is the corrected one.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Category, EliminationMode
from shouwang.core.imports import normalise_header
from shouwang.regions.models import Region
from shouwang.registry.demo.generator import DemoHousehold, Generator, Person
from shouwang.registry.households.models import Health, HouseholdType, IdType, Labour, Relation, Schooling

from .layout import (
    BY_KEY,
    COLUMNS,
    EXPORT_ORDER,
    INCOME_KEYS,
    NO,
    RISK_KEYS,
    TABLES,
    TITLE_ROWS,
    WORK_COLUMNS,
    WORK_ORDER,
    YES,
    canonical_label,
)

# Problem codes of the injected cells (``problems=True``): the ID parser's, the engine's and two
# that only the national file has.
NUMERIC_ID = "numeric_cell"  # an ID number typed as a number: digits lost
UNKNOWN_LABEL = "unknown_choice"  # a label no code table knows
PLACEHOLDER_ID = "placeholder_id"  # 999999…, a stand-in for a missing number
DISABILITY_NUMBER = "disability_certificate"  # a 20-character 残疾人证 number for a 居民身份证 (a warning)
PROBLEM_CODES = (NUMERIC_ID, UNKNOWN_LABEL, PLACEHOLDER_ID, DISABILITY_NUMBER)

# Kinds of messy cells (``messy=True``), counted in the summary.
MESSY_KINDS = ("header", "phone_float", "full_width_amount", "padded_label", "enumeration_comma", "month_text")

OPEN = "open"  # a case's state in :attr:`ExportSummary.cases` when its risk is not eliminated

PEOPLE_SHEET = "监测对象信息"
WORK_SHEET = "已外出务工"
TITLE = "全国防止返贫监测和衔接推进乡村振兴信息系统"

# Plausible sub-items of each measure column (the national code tables 100A39–100A55 are not public).
MEASURE_ITEMS: dict[str, tuple[str, ...]] = {
    "m_industry": ("种植业", "养殖业", "林果业", "产业奖补", "其他"),
    "m_employment": ("外出务工补贴", "劳务输出", "技能培训", "其他"),
    "m_microcredit": ("小额信贷", "其他"),
    "m_public_welfare_job": ("乡村公益性岗位",),
    "m_health": ("参加城乡居民基本医疗保险个人缴费补贴", "医疗救助", "家庭医生签约服务", "大病专项救治"),
    "m_compulsory_education": ("控辍保学", "送教上门", "义务教育阶段资助"),
    "m_other_education": ("雨露计划", "学前教育资助", "普通高中资助", "其他"),
    "m_social_protection": ("低保", "特困供养", "残疾人补贴", "临时救助"),
    "m_housing": ("危房改造", "其他"),
    "m_water": ("饮水设施改造", "其他"),
    "m_social_assistance": ("社会捐赠", "消费帮扶", "东西部协作"),
    "m_relocation": ("易地扶贫搬迁",),
    "m_living_conditions": ("改厨改厕", "其他"),
    "m_infrastructure": ("道路硬化", "其他"),
}
# The risk catalogue's codes (cases.catalogue): 因病 因学 因残 因自然灾害 因意外事故 因产业项目失败 因务工就业不稳
# 缺劳动力 其他.
RISK_CODES = ("YB", "YX", "YC", "YZRZH", "YYWSG", "YCYXMSB", "YWGJYBW", "QLDL", "QT")
DISASTER_WEIGHTS = (0.45, 0.25, 0.12, 0.03, 0.1, 0.01, 0.04)  # in the order of TABLES["disaster_kind"]
INDUSTRIES = ("制造业", "建筑业", "批发和零售业", "住宿和餐饮业", "交通运输业", "居民服务业")
WORK_CHANNELS = ("外出务工", "帮扶车间", "公益性岗位", "自主就业")
PUBLIC_JOB = MEASURE_ITEMS["m_public_welfare_job"][0]  # the post a member holds
# Disability categories of a certificate number (1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重), by frequency.
DISABILITY_KINDS = ([1, 2, 3, 4, 5, 6, 7], list(accumulate((0.12, 0.1, 0.02, 0.55, 0.08, 0.08, 0.05))))
# Per-capita net income an eliminated household has at least (the monitoring lines are 6,000–7,500).
ELIMINATED_FLOOR = Decimal(8500)
# The age at which the first grade of a school kind is attended (the grade written follows the age).
FIRST_GRADE_AGE: dict[str, int] = {Schooling.JUNIOR: 12, Schooling.SENIOR: 15, Schooling.SECONDARY_VOCATIONAL: 15,
                                   Schooling.HIGHER_VOCATIONAL: 18, Schooling.UNDERGRADUATE: 18}
DEVELOPMENT = ("已实施", "尚未实施")
DEVELOPMENT_MEASURES = ("m_industry", "m_employment")  # the development measure types of the catalogue


@dataclass(frozen=True)
class InjectedProblem:
    """A problem cell: the row the user sees (1-based, as the report shows it), the header, the code."""

    row: int
    header: str
    code: str


@dataclass
class ExportSummary:
    """What a generated export holds."""

    households: int = 0
    people: int = 0
    ex_poor: int = 0
    work_spells: int = 0
    monitored: dict[str, int] = field(default_factory=dict)  # Category value → households
    open: int = 0
    eliminated: dict[str, int] = field(default_factory=dict)  # EliminationMode value → households
    cases: dict[str, tuple[str, str]] = field(default_factory=dict)  # 户编号 → (category, OPEN or mode)
    headers: dict[str, str] = field(default_factory=dict)  # column key → the header written
    work_headers: dict[str, str] = field(default_factory=dict)
    messy: dict[str, int] = field(default_factory=dict)  # MESSY_KINDS → cells
    problems: list[InjectedProblem] = field(default_factory=list)

    @property
    def monitored_total(self) -> int:
        return sum(self.monitored.values())

    @property
    def eliminated_total(self) -> int:
        return sum(self.eliminated.values())


class NationalExportError(ValueError):
    """The export cannot be generated as asked (no villages loaded, no households)."""


class _Number(float):
    """A cell written as a number although the column holds text (an injected ID problem)."""


def write_national_export(
    target: str | Path | IO[bytes],
    *,
    county: str,
    households: int,
    seed: int,
    year: int,
    messy: bool = True,
    problems: bool = False,
    work_sheet: bool = True,
) -> ExportSummary:
    """Write a synthetic national export of ``households`` households of ``county``'s villages.

    ``year`` is the export's year: the incomes are that year's, the monitoring months lie up to
    its December (this month for the current year), ages are counted at its start. ``target`` is a path
    or a binary file.
    """
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=county).order_by("code"))
    if not villages:
        raise NationalExportError(
            _("No villages are loaded under %(code)s: run load_regions first.") % {"code": county}
        )
    if households < 1:
        raise NationalExportError(_("--households must be at least 1."))
    names = dict(
        Region.objects.filter(code__in={county, county[:4], *(v.code[:9] for v in villages)}).values_list(
            "code", "name"
        )
    )
    targets = None
    if problems:  # a first pass without writing finds where each problem fits; the cells stay the same
        scan = _Export(villages, names, county, households, seed, year, messy, work_sheet, targets=None)
        scan.write(None)
        targets = _choose_problems(scan.scan, households)
    return _Export(villages, names, county, households, seed, year, messy, work_sheet, targets).write(target)


def _choose_problems(scan: list[tuple], households: int) -> dict[int, dict[int, tuple[str, str]]]:
    """Household index → {member index: (problem code, column key)}: one problem of each kind, in
    different households spread over the file (each searched from its fifth of the file on).

    The unknown label goes into 监测对象类别 of a monitored one-person household (one row, one
    problem), or where there is none into the head's 文化程度; the ID problems go to a member who is
    not the head, has no work spell (the work sheet would repeat the number) and is not monitored.
    """
    targets: dict[int, dict[int, tuple[str, str]]] = {}

    def place(code: str, key: str, start: int, member_of) -> bool:
        for index, monitored, size, eligible, no_x, disabled in sorted(scan, key=lambda c: (c[0] < start, c[0])):
            member = None if index in targets else member_of(monitored, size, eligible, no_x, disabled)
            if member is not None:
                targets[index] = {member: (code, key)}
                return True
        return False

    start = {code: (k + 1) * households // 5 for k, code in enumerate(PROBLEM_CODES)}
    if not place(UNKNOWN_LABEL, "category", start[UNKNOWN_LABEL], lambda m, size, *_: 0 if m and size == 1 else None):
        place(UNKNOWN_LABEL, "education", start[UNKNOWN_LABEL], lambda m, *_: None if m else 0)
    place(NUMERIC_ID, "id_number", start[NUMERIC_ID], lambda m, _s, _e, no_x, _d: None if m or not no_x else no_x[0])
    place(PLACEHOLDER_ID, "id_number", start[PLACEHOLDER_ID], lambda m, _s, e, *_: None if m or not e else e[0])
    place(DISABILITY_NUMBER, "id_number", start[DISABILITY_NUMBER],
          lambda m, _s, e, _x, d: None if m or not e else (d or e)[0])
    return targets


def _weighted(pairs) -> tuple[list, list[float]]:
    return [v for v, _w in pairs], list(accumulate(w for _v, w in pairs))


def _labels_of(table: str, value: object) -> list[str]:
    """Every label of ``table`` that means ``value``, canonical first."""
    labels, synonyms = TABLES[table]
    return [label for label, v in (*labels.items(), *synonyms.items()) if v == value]


def _full_width(text: str) -> str:
    return text.translate({ord("0") + i: 0xFF10 + i for i in range(10)} | {ord("."): 0xFF0E})


def _month(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


class _Export:
    """One workbook's drawing and writing; the order of draws is the determinism contract."""

    def __init__(self, villages, names, county, households, seed, year, messy, work_sheet, targets):
        self.villages, self.names, self.county = villages, names, county
        self.n, self.seed, self.year = households, seed, year
        self.messy, self.work_sheet = messy, work_sheet
        self.targets: dict[int, dict[int, tuple[str, str]]] = targets or {}
        self.scan: list[tuple] = []  # per household, where a problem could go (see _choose_problems)
        # Ages are counted at the start of the year: no birth date lies after the export.
        self.gen = Generator(seed, year, year, today=date(year, 1, 1))
        # Monitoring months reach the year's December, or this month for the current year.
        today = date.today()
        self.last_month = min(year * 12 + 11, today.year * 12 + today.month - 1)
        self.rng = random.Random(f"national-{seed}")
        self.summary = ExportSummary(messy=dict.fromkeys(MESSY_KINDS, 0) if messy else {})
        self.contacts: dict[str, list[tuple[str, str]]] = {}
        self.spells: list[list[Any]] = []
        self.certified: set[str] = set()  # ID numbers of the household's members written as certificates
        self.public_job: Person | None = None  # the member holding the household's public-welfare post
        self._plan_monitoring()

    # -- plans made before the first household --------------------------------------------------------
    def _plan_monitoring(self) -> None:
        """Which households are monitored: five of them set (spread over the file) so that every
        category and every state is present, the rest drawn so that about 6.5 % are monitored."""
        combos = [(Category.UNSTABLE_EX_POOR, EliminationMode.ASSISTANCE), (Category.EDGE, OPEN),
                  (Category.SUDDEN, EliminationMode.NATURAL), (Category.UNSTABLE_EX_POOR, OPEN),
                  (Category.EDGE, EliminationMode.ASSISTANCE)]
        forced = min(len(combos), self.n // 3)
        # (first household index, state): placed on the first household from there that can take it
        self.forced = [(int(k * self.n / forced), combos[k]) for k in range(forced)]
        target = round(self.n * 0.065)
        self.p_monitored = max(0, target - forced) / max(1, self.n - forced)
        self.weights = (0.0, 0)  # sum and count of the vulnerability weights seen

    def _headers(self) -> None:
        """The header of each column: canonical, or (messy) a synonym for about ten of them, per seed."""
        self.summary.headers = {c.key: c.header for c in COLUMNS}
        self.summary.work_headers = {c.key: c.header for c in WORK_COLUMNS}
        if not self.messy:
            return
        for columns, headers, count in ((COLUMNS, self.summary.headers, 10), (WORK_COLUMNS,
                                                                              self.summary.work_headers, 2)):
            seen = Counter(normalise_header(n) for c in columns for n in (c.header, *c.synonyms))
            usable = {c.key: [s for s in c.synonyms if seen[normalise_header(s)] == 1] for c in columns}
            usable = {k: v for k, v in usable.items() if v}
            for key in self.rng.sample(sorted(usable), min(count, len(usable))):
                headers[key] = self.rng.choice(usable[key])
        # Older exports call the safety-net column 是否兜底保障户 (its first synonym).
        self.summary.headers["no_labour_safety_net"] = BY_KEY["no_labour_safety_net"].synonyms[0]
        self.summary.messy["header"] = sum(
            headers[c.key] != c.header for columns, headers in (
                (COLUMNS, self.summary.headers), (WORK_COLUMNS, self.summary.work_headers)) for c in columns
        )

    # -- small helpers --------------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, table: tuple[list, list[float]]):
        values, cum = table
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def mess(self, kind: str, p: float) -> bool:
        """Whether to write this cell the messy way (the first chance of each kind always is)."""
        if not self.messy:
            return False
        if self.summary.messy[kind] == 0 or self.chance(p):
            self.summary.messy[kind] += 1
            return True
        return False

    def label(self, table: str, value: object, sex: str = "") -> str:
        text = canonical_label(table, value, sex)
        if self.mess("padded_label", 0.01):
            return f" {text} "
        return text

    def yes_no(self, flag: bool) -> str:
        return YES if flag else NO

    def phone(self, number: str) -> str:
        if number and self.mess("phone_float", 0.05):
            return number + ".0"
        return number

    def month(self, index: int, messy_ok: bool = False) -> str:
        y, m = _month(index)
        if messy_ok and self.mess("month_text", 0.08):
            return f"{y}年{m:02d}月"
        return f"{y}{m:02d}"

    def join(self, items: list[str]) -> str:
        return ("、" if self.mess("enumeration_comma", 0.3) else ",").join(items)

    def person_name(self) -> str:
        gen = self.gen
        surname = self.pick(gen.surnames)
        names = gen.male_names if self.chance(0.6) else gen.female_names
        return surname + names[int(self.rng.random() * len(names))]

    def mobile(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    def contact(self, village: str) -> tuple[str, str]:
        """The village's monitoring contacts (信息采集人): two or three cadres, drawn once."""
        if village not in self.contacts:
            self.contacts[village] = [(self.person_name(), self.mobile()) for _i in range(self.rng.randint(2, 3))]
        pool = self.contacts[village]
        return pool[int(self.rng.random() * len(pool))]

    # -- the workbook ---------------------------------------------------------------------------------
    def write(self, target) -> ExportSummary:
        """Draw and write the workbook; with ``target`` None, draw only (and note where problems fit)."""
        self._headers()
        if target is None:
            self.row = TITLE_ROWS + 1
            for index, (village, seq) in enumerate(self._village_plan()):
                self._household(None, index, village, seq)
            return self.summary
        to_file = isinstance(target, (str, Path))
        workbook = xlsxwriter.Workbook(
            str(target) if to_file else target,
            {"constant_memory": to_file, "in_memory": not to_file, "strings_to_numbers": False,
             "strings_to_formulas": False, "strings_to_urls": False},
        )
        # A fixed creation time: the same arguments give the same bytes.
        workbook.set_properties({"created": datetime(self.year, 12, 31, 18, 0)})
        sheet = workbook.add_worksheet(PEOPLE_SHEET)
        county_name = self.names.get(self.county, self.county)
        self._titles(sheet, f"{TITLE} 监测对象信息（{county_name}）")
        for col, key in enumerate(EXPORT_ORDER):
            sheet.write_string(TITLE_ROWS, col, self.summary.headers[key])
        self.row = TITLE_ROWS + 1
        for index, (village, seq) in enumerate(self._village_plan()):
            self._household(sheet, index, village, seq)
        if self.work_sheet:
            work = workbook.add_worksheet(WORK_SHEET)
            self._titles(work, f"{TITLE} 务工月监测 已外出务工信息（{county_name}）")
            for col, key in enumerate(WORK_ORDER):
                work.write_string(TITLE_ROWS, col, self.summary.work_headers[key])
            for r, values in enumerate(self.spells, start=TITLE_ROWS + 1):
                self._write_row(work, r, values)
        workbook.close()
        return self.summary

    def _titles(self, sheet, title: str) -> None:
        """The two title rows above the header (TITLE_ROWS)."""
        sheet.write_string(0, 0, title)
        sheet.write_string(1, 0, f"数据截至：{self.year}年12月31日  导出时间：{self.year}-12-31 18:00")

    @staticmethod
    def _write_row(sheet, row: int, values: list[Any]) -> None:
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(row, col, value)
            else:
                sheet.write_number(row, col, float(value))

    def _village_plan(self):
        """(village, household sequence in the village) for each household, villages in code order,
        each with a weight of its own (communities larger, forest farms tiny)."""
        weights = []
        for v in self.villages:
            base = 1.6 if v.name.endswith("社区") else 0.15 if v.name.endswith("生活区") else 1.0
            weights.append(base * self.rng.uniform(0.6, 1.4))
        cum = list(accumulate(weights))
        counts = [0] * len(self.villages)
        for _i in range(self.n):
            counts[bisect.bisect(cum, self.rng.random() * cum[-1])] += 1
        for village, count in zip(self.villages, counts, strict=True):
            for seq in range(1, count + 1):
                yield village, seq

    # -- a household ----------------------------------------------------------------------------------
    def _household(self, sheet, index: int, village: Region, seq: int) -> None:
        number = f"{village.code}{seq:08d}"
        hh = self.gen.household(number, village.code, village.name, [])
        members = hh.members
        state = self._state(index, hh)
        if state:  # plain strings in the summary, not the choices' members
            state = (str(state[0]), str(state[1]))
        category = state[0] if state else None
        if category == Category.UNSTABLE_EX_POOR:
            ex_poor = True
        elif category == Category.EDGE:
            ex_poor = False
        elif category == Category.SUDDEN:
            ex_poor = self.chance(0.15)
        else:  # the generator draws 17.5 % ex-poor; the national files hold a few more
            ex_poor = hh.household_type == HouseholdType.EX_POOR or self.chance(0.1)
        s = self.summary
        s.households += 1
        s.people += len(members)
        s.ex_poor += ex_poor
        values = self._household_values(hh, village, ex_poor, state)
        targets = self.targets.get(index, {})
        self.certified.clear()
        for i, p in enumerate(members):
            row = {**values, **self._person_values(hh, i, p)}
            if i in targets:
                self._inject(row, *targets[i], p)
            if sheet is not None:
                self._write_row(sheet, self.row, [row.get(key) for key in EXPORT_ORDER])
            self.row += 1
        if sheet is None:
            eligible = [i for i, p in enumerate(members)
                        if p.relation != Relation.HEAD and not p.work_months and p.id_number not in self.certified]
            self.scan.append((index, bool(state), len(members), eligible,
                              [i for i in eligible if not members[i].id_number.endswith("X")],
                              [i for i in eligible if members[i].health == Health.DISABLED]))
        if state:
            s.monitored[state[0]] = s.monitored.get(state[0], 0) + 1
            if state[1] == OPEN:
                s.open += 1
            else:
                s.eliminated[state[1]] = s.eliminated.get(state[1], 0) + 1
            s.cases[number] = state

    def _state(self, index: int, hh: DemoHousehold) -> tuple[str, str] | None:
        """(category, OPEN or elimination mode) of a monitored household, None for the others."""
        blocked = self._cannot_be_eliminated(hh)
        if self.forced and index >= self.forced[0][0] and (self.forced[0][1][1] == OPEN or not blocked):
            return self.forced.pop(0)[1]
        # Vulnerable households (nobody able to work, serious illness or disability, low income,
        # ex-poor) are monitored more often; the running mean of the weights keeps the share.
        weight = self._vulnerability(hh)
        self.weights = (self.weights[0] + weight, self.weights[1] + 1)
        if not self.chance(self.p_monitored * weight * self.weights[1] / self.weights[0]):
            return None
        r = self.rng.random()
        if hh.household_type == HouseholdType.EX_POOR:
            category = Category.UNSTABLE_EX_POOR if r < 0.93 else Category.SUDDEN
        else:
            category = Category.EDGE if r < 0.8 else Category.UNSTABLE_EX_POOR if r < 0.93 else Category.SUDDEN
        if blocked or not self.chance(0.75):
            return (category, OPEN)
        return (category, EliminationMode.ASSISTANCE if self.chance(0.8) else EliminationMode.NATURAL)

    @staticmethod
    def _cannot_be_eliminated(hh: DemoHousehold) -> bool:
        """Nobody can work (the safety net keeps them monitored), or a guarantee is missing: an unsafe
        house, no safe water, a child out of school, someone uninsured."""
        housing, water, dropout, uninsured = hh.years[-1][9:13]
        return hh.no_labour or housing in ("C", "D") or not water or dropout or uninsured

    @staticmethod
    def _vulnerability(hh: DemoHousehold) -> float:
        _year, count, wage, business, prop, transfer, costs = hh.years[-1][:7]
        per_capita = (wage + business + prop + transfer - costs) / count
        return ((1 + hh.no_labour) * (1 + any(p.health in (Health.SERIOUS, Health.DISABLED) for p in hh.members))
                * (1 + 2 * (per_capita < 9000)) * (1 + 2 * (hh.household_type == HouseholdType.EX_POOR)))

    def _inject(self, row: dict[str, Any], code: str, key: str, p: Person) -> None:
        """Replace the cell ``key`` of this person's row with the problem ``code``."""
        number = row["id_number"]
        if code == UNKNOWN_LABEL:  # a label close to a real one, as typed by hand
            row[key] = (row[key] or "").strip() + "X"
        elif code == NUMERIC_ID:
            row[key] = _Number(number)
        elif code == PLACEHOLDER_ID:
            row[key] = "999999" + number[6:14] + "0000"
        else:  # the ID, then the disability category (4 = 肢体) and grade
            row[key] = number + "4" + str(p.disability_grade or 2)
        self.summary.problems.append(InjectedProblem(self.row + 1, self.summary.headers[key], code))

    # -- household-level cells ------------------------------------------------------------------------
    def _household_values(self, hh: DemoHousehold, village: Region, ex_poor: bool, state) -> dict[str, Any]:
        rng, members = self.rng, hh.members
        (_year, count, wage, business, prop, transfer, costs, oop, payouts, housing, water, dropout,
         uninsured) = hh.years[-1]
        head = members[0]
        household_type = HouseholdType.EX_POOR if ex_poor else HouseholdType.ORDINARY
        v: dict[str, Any] = {
            "city": self.names.get(self.county[:4], ""),
            "county": self.names.get(self.county, ""),
            "township": self.names.get(village.code[:9], ""),
            "village": village.name,
            "number": hh.number,
            "household_type": self.label("household_type", household_type),
            "household_phone": self.phone(head.phone),
            "dangerous_house": self.yes_no(housing in ("C", "D")),
            "water_secured": self.yes_no(water),
            "toilet": self.yes_no(not self.chance(0.06)),
            "electricity": YES,
            "road": self.yes_no(not self.chance(0.08)),
            "house_area": rng.randint(40, 200),
            "farmland": round(rng.uniform(0.3, 6.0), 1),
            "forest": round(rng.uniform(0, 12.0), 1) if self.chance(0.6) else 0,
            "uninsured": self.yes_no(uninsured),
            "dropout": self.yes_no(dropout),
        }
        # Incomes of the year, and the per-capita net income the national system computes from them.
        amounts = {"wage_income": wage, "business_income": business, "property_income": prop,
                   "transfer_income": transfer, "business_costs": costs, "compliant_out_of_pocket": oop,
                   "insurance_payouts": payouts}
        if state:
            self._settle_incomes(hh, state, amounts)
        net = sum(amounts[k] for k in INCOME_KEYS[:4]) - amounts["business_costs"]
        per_capita = (net / len(members)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        v.update(amounts, per_capita=per_capita, net_income=net)
        if any(p.tekun for p in members):
            v["tekun_allowance"] = Decimal(7200 * sum(p.tekun for p in members))
        if self.mess("full_width_amount", 0.02):
            key = "wage_income" if amounts["wage_income"] else "transfer_income"
            v[key] = _full_width(str(v[key]))
        if state:
            v.update(self._monitoring(hh, village, state, amounts, net, per_capita))
        return v

    def _settle_incomes(self, hh: DemoHousehold, state: tuple[str, str], amounts: dict[str, Decimal]) -> None:
        """A household where someone can work earns something from work or farming; an eliminated one
        is above the monitoring line (the risk was eliminated because the income is stable)."""
        rng = self.rng
        if not amounts["wage_income"] and not amounts["business_income"] and not hh.no_labour:
            amounts["business_income"] = Decimal(rng.randint(1500, 6000))
        if state[1] == OPEN:
            return
        net = sum(amounts[k] for k in INCOME_KEYS[:4]) - amounts["business_costs"]
        short = ELIMINATED_FLOOR * len(hh.members) - net
        if short > 0:
            key = "wage_income" if amounts["wage_income"] else "business_income"
            amounts[key] += Decimal(round(short + rng.randint(200, 3000) * len(hh.members)))

    def _monitoring(self, hh: DemoHousehold, village: Region, state, amounts, net, per_capita) -> dict[str, Any]:
        category, mode = state
        rng = self.rng
        v: dict[str, Any] = {"category": self.label("category", category)}
        # Households where nobody can work stay monitored under the safety net (never eliminated).
        v["no_labour_safety_net"] = self.yes_no(hh.no_labour)
        risks = self._risks(hh, category)
        for key, (_code, label, child) in zip(RISK_KEYS, risks, strict=False):
            v[key] = label
            if child:
                v["disaster_kind"] = child
        # Months: identification from 2021 on; elimination at least six months later, by December.
        start, last = min(2021, self.year - 1) * 12, self.last_month
        if mode == OPEN:
            identified = rng.randint(max(start, last - 30), last - 1)
        else:
            identified = rng.randint(start, last - 6)
            eliminated = min(last, identified + rng.randint(6, 30))
        v["identified_month"] = self.month(identified, messy_ok=True)
        v["eliminated"] = self.yes_no(mode != OPEN)
        if mode != OPEN:
            v["elimination_mode"] = self.label("elimination_mode", mode)
            v["eliminated_month"] = self.month(eliminated)
        v["contact_name"], phone = self.contact(village.code)
        v["contact_phone"] = self.phone(phone)
        measures = self._measures(hh, [code for code, _label, _child in risks], amounts)
        for key, items in measures.items():
            v[key] = self.join(items)
        v["development"] = DEVELOPMENT[0] if any(k in measures for k in DEVELOPMENT_MEASURES) else DEVELOPMENT[1]
        if mode != OPEN:  # the post-elimination block: the household as it was found when eliminated
            v.update({"post_dropout": NO, "post_housing": NO, "post_uninsured": NO, "post_water": NO,
                      "post_wage": amounts["wage_income"], "post_property": amounts["property_income"],
                      "post_transfer": amounts["transfer_income"], "post_business": amounts["business_income"],
                      "post_costs": amounts["business_costs"], "post_net": net, "post_per_capita": per_capita,
                      "post_payouts": amounts["insurance_payouts"],
                      "post_out_of_pocket": amounts["compliant_out_of_pocket"]})
        return v

    def _risks(self, hh: DemoHousehold, category: str) -> list[tuple[str, str, str]]:
        """1–3 risk types that fit the household (illness, disability, school, no labour, work…):
        (catalogue code, label, natural-disaster sub-item label)."""
        members = hh.members
        ill, school, disabled, disaster, accident, business, work, labour, other = RISK_CODES
        fitting = []
        if any(p.health in (Health.SERIOUS, Health.CHRONIC) for p in members):
            fitting.append(ill)
        if any(p.health == Health.DISABLED for p in members):
            fitting.append(disabled)
        if any(p.schooling in (Schooling.SENIOR, Schooling.SECONDARY_VOCATIONAL, Schooling.HIGHER_VOCATIONAL,
                               Schooling.UNDERGRADUATE) for p in members):
            fitting.append(school)
        if hh.no_labour:
            fitting.append(labour)
        if any(p.work_months for p in members):
            fitting.append(work)
        self.rng.shuffle(fitting)
        extra = [disaster, accident] if category == Category.SUDDEN else [disaster, business, accident, other]
        self.rng.shuffle(extra)
        if category == Category.SUDDEN and self.chance(0.5):
            fitting.insert(0, extra[0])
        chosen: list[str] = []
        for code in (*fitting, *extra):
            if code not in chosen:
                chosen.append(code)
        n = self.pick(_weighted([(1, 0.5), (2, 0.35), (3, 0.15)]))
        out = []
        for code in chosen[:n]:
            child = ""
            if code == disaster:
                child = self.pick((list(TABLES["disaster_kind"][0]), list(accumulate(DISASTER_WEIGHTS))))
            out.append((code, canonical_label("risk", code), child))
        return out

    def _measures(self, hh: DemoHousehold, risks: list[str], amounts: dict[str, Decimal]) -> dict[str, list[str]]:
        """The measure columns with their sub-items: one for each risk and guarantee gap (as the
        consistency checks ask), a development measure where someone can work, then a few more;
        1–4 columns as a rule."""
        members, rng = hh.members, self.rng
        housing, water, dropout, uninsured = hh.years[-1][9:13]
        able = [p for p in members if p.labour in Labour.able()]
        wage, business = amounts["wage_income"] > 0, amounts["business_income"] > 0
        students = [p for p in members if p.schooling not in (Schooling.NONE, Schooling.PRESCHOOL)]
        vocational = any(p.schooling in (Schooling.SECONDARY_VOCATIONAL, Schooling.HIGHER_VOCATIONAL) for p in students)
        protection = [item for item, flag in zip(MEASURE_ITEMS["m_social_protection"], (
            any(p.dibao for p in members), any(p.tekun for p in members),
            any(p.health == Health.DISABLED for p in members), True), strict=True) if flag]
        items: dict[str, list[str]] = {
            "m_industry": list(MEASURE_ITEMS["m_industry"][:4]),
            "m_employment": list(MEASURE_ITEMS["m_employment"][:3]),
            "m_health": list(MEASURE_ITEMS["m_health"]),
            # 雨露计划 pays for vocational schooling
            "m_other_education": list(MEASURE_ITEMS["m_other_education"][:1] if vocational
                                      else MEASURE_ITEMS["m_other_education"][1:3]),
            "m_compulsory_education": list(MEASURE_ITEMS["m_compulsory_education"][:2]),
            "m_social_protection": protection[:-1] or protection[-1:],  # 临时救助 only where nothing else fits
        }
        ill, school, disabled, disaster, accident, failed, work, labour, _other = RISK_CODES
        by_risk = {ill: "m_health", school: "m_compulsory_education" if dropout else "m_other_education",
                   disabled: "m_social_protection", labour: "m_social_protection",
                   work: "m_employment" if wage else None, failed: "m_industry" if business else "m_microcredit",
                   disaster: "m_social_assistance", accident: "m_social_assistance"}
        required = [by_risk.get(code) for code in risks]
        required += ["m_housing" if housing in ("C", "D") else None, None if water else "m_water",
                     "m_compulsory_education" if dropout else None, "m_health" if uninsured else None]
        if any(p.dibao or p.tekun for p in members):
            required.append("m_social_protection")
        if able:  # a development measure where someone can work: employment with wages, else industry
            required.append("m_employment" if wage else "m_industry")
        optional = ["m_microcredit", "m_living_conditions", "m_infrastructure", "m_social_assistance"]
        public_job = [p for p in able if 18 <= p.age < 60]  # the age public-welfare posts take
        if public_job and wage:
            optional.append("m_public_welfare_job")
        if students:
            optional.append("m_other_education")
        rng.shuffle(optional)
        chosen: list[str] = []
        for key in (*required, *optional):
            if key and key not in chosen:
                chosen.append(key)
        needed = len({key for key in required if key})
        n = max(needed, self.pick(_weighted([(1, 0.3), (2, 0.35), (3, 0.25), (4, 0.1)])))
        out = {}
        for key in sorted(chosen[:n], key=EXPORT_ORDER.index):
            choices = items.get(key) or list(MEASURE_ITEMS[key][:1])
            if key == "m_social_protection":
                picked = choices
            else:
                picked = rng.sample(choices, 1 if len(choices) == 1 else rng.choice((1, 1, 2)))
            out[key] = sorted(picked, key=MEASURE_ITEMS[key].index)
        if "m_public_welfare_job" in out:
            self.public_job = next((p for p in public_job if not p.work_months), public_job[0])
        return out

    # -- person-level cells ---------------------------------------------------------------------------
    def _person_values(self, hh: DemoHousehold, index: int, p: Person) -> dict[str, Any]:
        rng = self.rng
        assert p.birth is not None
        v: dict[str, Any] = {
            "person_number": f"{hh.number}{index + 1:02d}",
            "name": p.name,
            "id_type": canonical_label("id_type", IdType.RESIDENT),
            "id_number": p.id_number,
            "sex": canonical_label("sex", p.sex),
            "relation": self.label("relation", p.relation, p.sex),
            "birth": f"{p.birth:%Y%m%d}",
            "ethnicity": p.ethnicity,
            "phone": self.phone(p.phone),
            "education": self.label("education", p.education),
            "schooling": self._schooling(p),
            "health": self._health(p),
            "labour": self.label("labour", p.labour),
            "work_location": p.work_location,
            "work_months": p.work_months,
            "medical_resident": self.yes_no(p.medical_insured),
            "medical_employee": NO,
            "serious_illness_insured": self.yes_no(p.medical_insured),
            "pension_resident": self.yes_no(p.pension_insured),
            "pension_employee": NO,
            "medical_aid": self.yes_no(p.health == Health.SERIOUS and self.chance(0.7)),
            "dibao": canonical_label("dibao", p.dibao),
            "tekun": canonical_label("tekun", p.tekun),
        }
        if p.health == Health.DISABLED and self.chance(0.8):
            # Most disabled people are registered by their certificate: the ID number, then the
            # disability category and grade digits (20 characters).
            v["id_type"] = canonical_label("id_type", IdType.DISABILITY)
            v["id_number"] = p.id_number + str(self.pick(DISABILITY_KINDS)) + str(p.disability_grade or 4)
            self.certified.add(p.id_number)
        if p.schooling == Schooling.NONE and 7 <= p.age <= 15:  # out of school during compulsory education
            v["out_of_school_reason"] = "因病" if p.health != Health.HEALTHY else "其他"
        if self.public_job is p:
            v["public_job"], v["public_job_months"] = PUBLIC_JOB, rng.randint(6, 12)
            self.public_job = None
        if p.work_months:  # the work sheet names the person by the same number
            self._work_spells(hh, p, v["id_number"])
        return v

    def _schooling(self, p: Person) -> str:
        """The grade by age where the table has grades (七年级, 普通高中二年级…)."""
        canonical = canonical_label("schooling", p.schooling)
        first_grade_age = FIRST_GRADE_AGE.get(p.schooling)
        if first_grade_age is None:
            return canonical
        prefix = canonical[:-3]  # "七年级" → "", "普通高中一年级" → "普通高中"
        grades = [label for label in _labels_of("schooling", p.schooling)
                  if label.endswith("年级") and label[:-3] == prefix]
        grades.sort(key=lambda label: "一二三四五六七八九".index(label[-3]))
        return grades[min(max(p.age - first_grade_age, 0), len(grades) - 1)]

    def _health(self, p: Person) -> str:
        """The health cell; a few disabled or seriously ill people also have a chronic illness."""
        label = canonical_label("health", p.health)
        if p.health in (Health.DISABLED, Health.SERIOUS) and self.chance(0.2):
            return self.join([label, canonical_label("health", Health.CHRONIC)])
        return label

    def _work_spells(self, hh: DemoHousehold, p: Person, number: str) -> None:
        """The member's rows of 已外出务工: one spell in the year (sometimes two), months ``YYYY年MM月``."""
        rng = self.rng
        months = p.work_months or 0
        first = rng.randint(1, 13 - months)
        spans = [(first, first + months - 1)]
        if months >= 6 and self.chance(0.15):
            cut = first + rng.randint(2, months - 3)
            spans = [(first, cut), (cut + 1, first + months - 1)]
        local = p.work_location.startswith(("泸溪", "湘西"))
        for start, end in spans:
            spell = {
                "number": hh.number, "id_number": number, "start": f"{self.year}年{start:02d}月",
                "end": "" if end == 12 and self.chance(0.4) else f"{self.year}年{end:02d}月",
                "working": YES, "work_county": p.work_location, "monthly_wage": round(p.monthly_wage),
                "employer": self.gen.fake.company(), "industry": rng.choice(INDUSTRIES),
                "channel": rng.choice(WORK_CHANNELS[1:]) if local else WORK_CHANNELS[0],
                "point_to_point": self.yes_no(not local and self.chance(0.2)),
                "transport_subsidy": "" if local else rng.choice((300, 500, 800)),
            }
            self.spells.append([spell.get(key) for key in WORK_ORDER])
            self.summary.work_spells += 1
