"""The demo county lived through its years (issue 12 item 11): every figure comes from the real services.

After the synthetic registry is written (``shouwang.registry.demo``), :func:`play_years` plays the
demo years the way a county lives them, calling the same services the pages call, each with the
simulated day it happens on:

* the monitoring line of each year: the confirmed figures (2021 national 6,000; 2023 Hunan 7,500,
  policy.md §2.1) and an explicit carry-forward (沿用上年标准) for every other year;
* department feeds (医保, 民政, 住建, 应急) committed a few times a year;
* screening of each year's incomes, cadre visits and household self-reports, whose warnings are
  verified and either dismissed with a reason for each rule or escalated into a case (the runs of
  the earlier years cover the households the story follows, mostly those whose income came in
  low; the latest year's runs cover the whole county, as the county officer's button does, and
  the cadres verify every warning they raise, so that a county-wide run afterwards finds only
  what changed since);
* every case walked through the identification steps with its dates (authorisation, minutes,
  a village notice that ran and ended, township and county approval, announcement, a contact,
  filing), then measures, and, once the income has held above the line, an elimination in
  either mode (帮扶消除 / 自然消除), one rolled back, some rejected or withdrawn;
* in the current months: county-wide screening runs of the latest year (the first one's storm
  of warnings settled by the cadres, a few still waiting past their deadline), department feeds
  whose reports fill the queue again, a visit campaign, county tasks sent to the townships, a
  post-evaluation spot check, and cases and warnings still under way, a few of them past their
  deadline;
* finally the dashboards, the data-quality lists and the latest scorecard are computed.

Only the households the story needs (a few hundred) pass through Python; the registry itself is
never read row by row. Everything random comes from one ``random.Random(seed)`` consumed in a
fixed order, so the same registry and seed play the same county.

The calls that carry the simulated day (``recorded_on``, the screening day, the transition
time) are made in :class:`Calls` only.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import ForeignObjectRel, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.demo import acting_account
from shouwang.accounts.models import Role, User
from shouwang.cases.casefiles.models import Case, CaseSource, CaseStatus, Category, EliminationMode
from shouwang.cases.notices.services import create_notice
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.opening import open_case
from shouwang.cases.procedure.refusals import ActionRefused
from shouwang.core.audit import acting_as
from shouwang.core.idnumbers import parse_id_number
from shouwang.core.signals import data_changed_muted, households_changed_muted
from shouwang.monitoring.feeds.models import FeedBatch, FeedLead, FeedSignal
from shouwang.monitoring.feeds.services import FeedImport
from shouwang.monitoring.fieldwork.models import Visit
from shouwang.monitoring.fieldwork.services import close_campaign, launch_campaign, record_visit
from shouwang.monitoring.lines import services as line_services
from shouwang.monitoring.lines.models import MonitoringLine, line_in_force
from shouwang.monitoring.lines.permissions import is_wider_line
from shouwang.monitoring.models import Warning, WarningStatus
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.selfreport.services import SelfReportData, submit_self_report
from shouwang.monitoring.warnings import services as warning_services
from shouwang.regions.models import Region
from shouwang.registry.demo.services import demo_households
from shouwang.registry.models import Household, HouseholdType, HouseholdYear, HousingGrade, Member, Relation

# The lines a county would hold (policy.md §2.1): the confirmed figures; every other year is an
# explicit carry-forward of the year before.
# The basis and source the migrations recorded are kept; these fill a line that has none.
CONFIRMED_LINES: dict[int, tuple[str, Decimal, str, str]] = {
    2021: ("", Decimal("6000"), "脱贫攻坚期国家扶贫标准的 1.5 倍，作为全国参考线（全国适用性系推断）。",
           "policy.md §2.1 [S05]"),
    2023: ("43", Decimal("7500"), "省2023年收入监测范围以家庭人均纯收入7500元为基准线", "policy.md §2.1 [S06]"),
}
PROVINCE_NAMES = {"43": "湖南省"}  # the province of a county whose wider lines the demo sets
CARRY_FORWARD_BASIS = "上级未发布{year}年监测范围，经县防返贫工作领导小组研究，沿用{previous}年标准。"

# The story's proportions (of all households): the households identified as monitoring objects
# by the end (shared out over the screening rounds, however many years are played), the households
# a screening run of the story covers, the open warnings left in the current queue.
IDENTIFIED_SHARE = 0.034
SCREENED_SHARE = 0.025
LOW_INCOME_PART = 0.75
# Of the latest year's county-wide run: the warnings the cadres have not got to yet (past their
# deadline by today), and the households held back for the cases opened a month later.
LAGGING_SHARE = 0.001
# The households the departments report in the current months (the earlier of two batches; the
# later one half as many again): their new facts raise the warnings waiting in today's queue.
CURRENT_FEED_SHARE = 0.003
REJECTED_SHARE = 0.1
WITHDRAWN_SHARE = 0.03
LATE_VILLAGE_SHARE = 0.15  # villages whose identification starts late and misses the time limit
RECENT_DAYS = 45  # the "current months": cases and warnings still under way
PDF = b"%PDF-1.4\n% demo document\n"

STRONG_EVIDENCE = ("INCOME_BELOW_LINE", "ADJUSTED_INCOME_BELOW_LINE", "INCOME_DROP", "MEDICAL_SPENDING", "visit",
                   "self_report")
DISMISS_REASONS = (
    "入户核实：家庭收入已恢复，务工收入未计入申报，不属于监测范围。",
    "入户核实：已享受低保兜底，基本生活有保障，暂不纳入。",
    "入户核实：医疗费用已由大病保险和医疗救助报销，实际自付不大。",
    "入户核实：住房已于年内完成改造，经鉴定为B级。",
    "入户核实：饮水问题已由村级供水工程解决。",
    "入户核实：数据录入有误，已更正家庭人口。",
)
# A reason for each rule the cadre answered (a dismissal records one per signal); other rules and
# sources take one of DISMISS_REASONS.
RULE_REASONS: dict[str, tuple[str, ...]] = {
    "INCOME_BELOW_LINE": ("入户核实：务工收入未计入申报，核实后家庭人均纯收入高于监测范围。",
                          "入户核实：家庭已享受低保兜底，基本生活有保障，收入已重新核算。"),
    "ADJUSTED_INCOME_BELOW_LINE": ("入户核实：刚性支出已由医保和救助报销，扣除后收入仍高于监测范围。",
                                   "入户核实：一次性支出不影响家庭基本生活，收入稳定。"),
    "INCOME_DROP": ("入户核实：收入下降系一次性因素，目前务工收入已恢复。",
                    "入户核实：上年收入含一次性补偿款，本年收入正常。"),
    "MEDICAL_SPENDING": ("入户核实：医疗费用已由大病保险和医疗救助报销，实际自付不大。",),
    "HOUSING_UNSAFE": ("入户核实：住房已于年内完成改造，经鉴定为B级。",
                       "入户核实：家庭另有安全住房，危房已不居住。"),
    "WATER_UNSAFE": ("入户核实：饮水问题已由村级供水工程解决。",),
    "UNINSURED_MEMBER": ("入户核实：该成员已在务工地参保，已核对参保凭证。",
                         "入户核实：已补缴城乡居民医保，参保已落实。"),
    "NO_LABOUR_NO_SAFETY_NET": ("入户核实：子女赡养到位，有固定赡养费，基本生活有保障。",
                                "入户核实：已享受养老金和残疾人两项补贴，基本生活有保障。"),
    "DROPOUT": ("入户核实：学生已返校就读，控辍保学措施已落实。",),
    "DISASTER_LOSS": ("入户核实：灾害损失已由农业保险赔付，不影响基本生活。",),
    "NEW_DIBAO_TEKUN": ("入户核实：已纳入低保兜底，基本生活有保障，无返贫致贫风险。",),
    "NEW_SEVERE_DISABILITY": ("入户核实：残疾人两项补贴已落实，家庭收入稳定。",),
}
APPRAISAL_NOTES = ("村民代表民主评议会议同意纳入，会议记录已存档。", "民主评议：全体代表同意，无异议。")
ELIMINATION_NOTES = ("入户核实：务工收入稳定，两不愁三保障及饮水安全均有保障。",
                     "入户核实：产业帮扶见效，收入稳定超过监测范围。")
MEASURES = (
    ("industry", "发展柑橘种植2亩，补助种苗款", "县农业农村局", Decimal("3000")),
    ("employment", "推荐到县内工业园务工", "县人力资源和社会保障局", None),
    ("public_welfare_job", "安排村级保洁公益性岗位", "乡镇人民政府", Decimal("6000")),
    ("health", "落实大病专项救治和医疗救助", "县医疗保障局", Decimal("8000")),
    ("social_protection", "纳入农村低保", "县民政局", Decimal("4200")),
    ("microcredit", "发放小额信贷5万元用于养殖", "县乡村振兴局", Decimal("50000")),
)
# The causes counties report most (illness first, then disability, unstable work, lack of labour).
RISK_MIX = (("YB", 34), ("YC", 14), ("YWGJYBW", 14), ("QLDL", 10), ("YX", 8), ("YYWSG", 6), ("YZRZH_HL", 5),
            ("YCYXMSB", 5), ("YZRZH_DZ", 2), ("QT", 2))
VISIT_NOTES = ("户主因病住院，家庭收入明显下降。", "家中劳动力务工中断，收入不稳定。", "房屋受暴雨损坏，需要修缮。")


# --- the calls whose shape is still changing, in one place -----------------------------------


class Calls:
    """The services the story calls with its simulated day, in one place.

    Each action is recorded on the day it happens (``recorded_on`` = the day): nothing the story
    does is a late entry (补录), and the histories, deadlines and scorecards read those days.
    """

    @staticmethod
    def perform(case: Case, action: str, user, day: date, **kw) -> Case:
        return engine.perform(case, action, user, today=day, recorded_on=day, **kw)

    @staticmethod
    def open_case(household, user, day: date, **kw) -> Case:
        return open_case(household, user, today=day, recorded_on=day, **kw)

    @staticmethod
    def notice(user, village: str, cases: list[Case], starts_on: date, ends_on: date, day: date, **kw):
        return create_notice(user, village, cases, starts_on=starts_on, ends_on=ends_on, today=day, recorded_on=day,
                             **kw)

    @staticmethod
    def screen(year: int, region: str, day: date, household_ids: list[int] | None):
        return screen(year=year, region=region, on=day, household_ids=household_ids)

    @staticmethod
    def carry_forward(year: int, region_code: str, user, basis: str) -> MonitoringLine:
        return line_services.carry_forward(year, region_code, user, basis)

    @staticmethod
    def transition(warning: Warning, action: str, user, reason: str, day: date,
                   reasons: dict[int, str] | None = None) -> Warning:
        when = timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))
        return warning_services.transition(warning, action, user, reason, reasons=reasons, now=when)


# --- the cast ---------------------------------------------------------------------------------


SURNAMES = "张王李刘陈杨黄赵周吴向彭田龙石滕"
GIVEN = ("建国", "小红", "志强", "海燕", "国华", "丽娟", "永福", "春梅", "德明", "秀英", "文军", "桂兰")


CAST_USERNAMES = r"^(village|township|county|admin|department)_[0-9]{6,12}$"


class Cast:
    """The county's staff who act in the story: one per village, township and county role.

    Accounts have no usable password (nobody logs in as them); the demo users of
    ``create_demo_users`` are separate and log in to look at what these did.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._users: dict[tuple[str, str], User] = {}

    def get(self, role: str, code: str) -> User:
        key = (role, code)
        user = self._users.get(key)
        if user is None:
            user = self._users[key] = acting_account(role, code, lambda: {
                "last_name": self.rng.choice(SURNAMES), "first_name": self.rng.choice(GIVEN)})
        return user

    def village(self, code: str) -> User:
        return self.get(Role.VILLAGE, code[:12])

    def township(self, code: str) -> User:
        return self.get(Role.TOWNSHIP, code[:9])

    def county(self, code: str) -> User:
        return self.get(Role.COUNTY, code[:6])


# --- the play ---------------------------------------------------------------------------------


@dataclass
class Played:
    """What the play did, for the command's summary and the tests."""

    counts: Counter = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**dict(sorted(self.counts.items())), "seconds": self.seconds}


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _with_evidence(warnings) -> list[Warning]:
    """Warnings with their household and the signals gathered on them (each a piece of evidence)."""
    return list(warnings.select_related("household", "rule").prefetch_related("signals__rule").order_by("id"))


class Player:
    def __init__(self, seed: int, first: int, last: int, today: date, county: str,
                 progress: Callable[[str], None] | None) -> None:
        self.rng = random.Random(seed)
        self.first, self.last, self.today, self.county = first, last, today, county
        self.say = progress or (lambda message: None)
        self.calls = Calls()
        self.cast = Cast(random.Random(seed + 1))
        self.played = Played()
        self.count = self.played.counts
        self.households = demo_households().filter(region_code__startswith=county)
        self.total = self.households.count()
        self.ids = list(self.households.order_by("id").values_list("id", flat=True))
        self.busy: set[int] = set()  # households with a case (never drawn twice for a new one)
        self._secure: dict[int, set[int]] = {}
        self._below: set[int] | None = None
        # One screening round a year played (the latest year's in the current months); a tenth of
        # the cases opened is not included in the end.
        self.case_share = IDENTIFIED_SHARE / (last - first + 1) / (1 - REJECTED_SHARE - WITHDRAWN_SHARE)

    def secure(self, year: int) -> set[int]:
        """Households whose record of ``year`` meets the elimination criteria the registry answers
        (income above the year's line, housing, water, schooling, insurance, labour): one query, so
        that an elimination is tried only where it can hold, and cases are opened mostly for
        households that recover, as most do."""
        year = min(year, self.last)
        if year not in self._secure:
            line = line_in_force(self.county, year)
            rows = HouseholdYear.objects.filter(
                household__in=self.households, year=year, housing_grade__in=(HousingGrade.A, HousingGrade.B),
                water_secured=True, dropout=False, uninsured_member=False, household__no_labour=False)
            if line is not None:
                rows = rows.filter(per_capita_net_income__gte=line.amount * Decimal("1.1"))
            self._secure[year] = set(rows.values_list("household_id", flat=True)) if line is not None else set()
        return self._secure[year]

    # simulated days --------------------------------------------------------------------------

    def day(self, d: date) -> date:
        return min(d, self.today)

    def working(self, d: date) -> date:
        d = self.day(d)
        while d.weekday() >= 5 and d > date(self.first, 1, 1):
            d -= timedelta(days=1)
        return d

    def next_working(self, d: date) -> date:
        """``d`` or the first weekday after it (never after today)."""
        while d.weekday() >= 5 and d < self.today:
            d += timedelta(days=1)
        return self.day(d)

    def scaled(self, share: float, minimum: int = 1) -> int:
        return max(minimum, round(self.total * share))

    # lines -----------------------------------------------------------------------------------

    def line_setter(self, code: str, admin: User) -> User:
        """Who sets the line of ``code``: the county's administrator its county's line; the
        province's administrator a wider one (the province's, the national line), which other
        counties use too (``monitoring.edit_wider_line``)."""
        if not is_wider_line(code):
            return admin
        province = self.county[:2]
        Region.objects.get_or_create(code=province, defaults={
            "name": PROVINCE_NAMES.get(province, province), "level": Region.Level.PROVINCE, "parent_code": ""})
        return self.cast.get(Role.ADMIN, province)

    def lines(self, admin: User) -> None:
        for year in range(self.first, max(self.last, self.today.year) + 1):
            confirmed = CONFIRMED_LINES.get(year)
            if confirmed is not None:
                code, amount, basis, source = confirmed
                line = MonitoringLine.objects.filter(year=year, region_code=code).first() or MonitoringLine(
                    year=year, region_code=code)
                line.amount, line.basis, line.source = amount, line.basis or basis, line.source or source
                line_services.save_line(line, self.line_setter(code, admin))
                continue
            if MonitoringLine.objects.filter(year=year).exists():
                continue
            previous = MonitoringLine.objects.filter(year=year - 1).order_by("-region_code").first()
            if previous is None:
                continue
            self.calls.carry_forward(year, previous.region_code, self.line_setter(previous.region_code, admin),
                                     CARRY_FORWARD_BASIS.format(year=year, previous=year - 1))
            self.count["lines_carried_forward"] += 1

    # feeds -----------------------------------------------------------------------------------

    def feeds(self, year: int, dept: User, *, n: int | None = None, day: date | None = None,
              dated: tuple[date, date] | None = None, first: list[int] | None = None) -> None:
        """Department batches about heads of the registry's households: ``n`` rows of each kind,
        those of ``year`` committed on 20 December, or rows ``dated`` in the current weeks committed
        on ``day``; the households in ``first`` are reported before others drawn at random."""
        n = n or self.scaled(0.0015, 2)
        first = list(first or [])
        drawn = first + self.rng.sample(self.ids, min(len(self.ids), max(0, n * 4 - len(first))))
        heads = {m.household_id: m for m in Member.objects.filter(household_id__in=set(drawn),
                                                                   relation=Relation.HEAD).order_by("id")}
        members = [heads[h] for h in dict.fromkeys(drawn) if h in heads][: n * 4]
        if not members:
            return
        self.rng.shuffle(members)
        day = self.day(day or date(year, 12, 20))
        tag = f"{day:%Y%m%d}" if dated else f"{year}"

        def on() -> date:
            if dated is None:
                return self._in_year(year)
            return self.day(dated[0] + timedelta(days=self.rng.randrange((dated[1] - dated[0]).days + 1)))

        batches = {
            "medical": [self._medical_row(m, on(), tag) for m in members[:n]],
            "civil": [{"id_number": m.id_number, "name": m.name, "date": on().isoformat(),
                       "type": self.rng.choice(("低保", "临时救助", "特困")), "amount": "380",
                       "reference": f"MZ{tag}{i:04d}"} for i, m in enumerate(members[n: 2 * n])],
            "housing": [{"id_number": m.id_number, "name": m.name, "date": on().isoformat(),
                         "grade": self.rng.choice(("C级", "D级", "B级")), "reference": f"JD{tag}{i:04d}"}
                        for i, m in enumerate(members[2 * n: 3 * n])],
            "disaster": [{"id_number": m.id_number, "name": m.name, "date": on().isoformat(),
                          "amount": str(self.rng.randrange(3000, 30000, 500)), "disaster_type": "洪涝"}
                         for m in members[3 * n: 4 * n]],
        }
        for feed_type, rows in batches.items():
            if not rows:
                continue
            importer = FeedImport(feed_type, dept, channel=FeedBatch.Channel.API, today=day)
            importer.run_rows(rows, name=f"{feed_type}-{tag}.json", commit=True)
            if importer.report.committed:
                self.count["feed_batches"] += 1
                self.count["feed_rows"] += importer.report.accepted

    def _in_year(self, year: int) -> date:
        return self.day(date(year, 1, 1) + timedelta(days=self.rng.randrange(330)))

    def _medical_row(self, m: Member, on: date, tag: str) -> dict:
        amount = self.rng.choice((6800, 12500, 23800, 41000))
        return {"id_number": m.id_number, "name": m.name, "date": on.isoformat(),
                "amount": str(amount), "total": str(amount * 3), "visit_type": "住院",
                "institution": "泸溪县人民医院", "reference": f"YB{tag}{m.pk}"}

    # warnings ----------------------------------------------------------------------------------

    def screen_year(self, year: int, day: date, household_ids: list[int] | None) -> list[Warning]:
        before = Warning.objects.aggregate(m=Max("id"))["m"] or 0
        self.calls.screen(year, self.county, day, household_ids)
        self.count["screening_runs"] += 1
        return _with_evidence(Warning.objects.filter(id__gt=before))

    def below_latest(self) -> set[int]:
        if self._below is None:
            line = line_in_force(self.county, self.last)
            self._below = set() if line is None else set(HouseholdYear.objects.filter(
                household__in=self.households, year=self.last, per_capita_net_income__lt=line.amount,
            ).values_list("household_id", flat=True))
        return self._below

    def sample(self, year: int, share: float) -> list[int]:
        """The households an earlier year's screening run of the story covers: those whose record of
        the year came in low (the rules fire for most of them) and some others. Verifying a whole
        county's warnings for every past year would cost the setup more than it shows; the latest
        year, whose warnings the pages show, is screened over the whole county (``current``)."""
        size = self.scaled(share, 10)
        line = line_in_force(self.county, year)
        low: list[int] = []
        if line is not None:
            low = list(HouseholdYear.objects.filter(
                household__in=self.households, year=year, per_capita_net_income__lt=line.amount * Decimal("1.15"),
            ).exclude(household_id__in=self.busy).order_by("household_id").values_list("household_id", flat=True))
        picked = set(self.rng.sample(low, min(len(low), round(size * LOW_INCOME_PART))))
        picked.update(self.rng.sample(self.ids, max(0, size - len(picked))))
        return sorted(picked)

    def showcase(self, n: int = 40) -> list[int]:
        """Households of the first village of the first two townships, where the demo's village cadres
        log in (``create_demo_users`` picks them the same way): the departments report some of them
        in the current weeks, so that their queue is never empty."""
        townships = Region.objects.filter(level=Region.Level.TOWNSHIP, parent_code=self.county).order_by("code")
        villages = []
        for township in townships.values_list("code", flat=True):
            first = Region.objects.filter(level=Region.Level.VILLAGE, parent_code=township).order_by("code").first()
            if first is not None:
                villages.append(first.code)
            if len(villages) == 2:
                break
        ids = list(self.households.filter(village_id__in=villages).exclude(id__in=self.busy)
                   .order_by("id").values_list("id", flat=True))
        return sorted(self.rng.sample(ids, min(len(ids), n)))

    def dismiss(self, warning: Warning, day: date, reason: str | None = None) -> None:
        """Verify and dismiss: with ``reason`` for all its signals, else the answer to each rule."""
        user = self.cast.village(warning.region_code)
        try:
            if warning.status == WarningStatus.NEW:
                self.calls.transition(warning, "verify", user, "", day)
            if warning.status == WarningStatus.VERIFYING:
                when = self.day(day + timedelta(days=self.rng.randrange(1, 4)))
                if reason:
                    self.calls.transition(warning, "dismiss", user, reason, when)
                else:
                    reasons, general = self._reasons(warning), self.rng.choice(DISMISS_REASONS)
                    try:
                        self.calls.transition(warning, "dismiss", user, "" if reasons else general, when,
                                              reasons=reasons)
                    except warning_services.ReasonRequired:
                        # A signal joined after the warning was read (a visit): the general reason for it.
                        self.calls.transition(warning, "dismiss", user, general, when, reasons=reasons)
                self.count["warnings_dismissed"] += 1
        except (warning_services.TransitionNotAllowed, PermissionDenied):
            pass

    def _reasons(self, warning: Warning) -> dict[int, str]:
        """{signal id: the cadre's answer to its rule} for the open signals read with the warning."""
        reasons = {}
        for signal in sorted(warning.signals.all(), key=lambda s: s.pk):
            if signal.open:
                code = signal.rule.code if signal.rule_id and signal.rule else ""
                reasons[signal.pk] = self.rng.choice(RULE_REASONS.get(code, DISMISS_REASONS))
        return reasons

    def triage(self, warnings: list[Warning], reserved: int, lagging: int) -> tuple[list[Warning], ...]:
        """Split a run's open warnings by household: ``reserved`` households with strong evidence,
        verified later; ``lagging`` ones the cadres have not got to; and the rest."""
        by_household: dict[int, list[Warning]] = defaultdict(list)
        for w in warnings:
            if w.status in WarningStatus.open():
                by_household[w.household_id].append(w)
        households = sorted(by_household)
        strong = [h for h in households if h not in self.busy and self._weight(by_household[h]) >= 3]
        later = set(self.rng.sample(strong, min(len(strong), reserved)))
        others = [h for h in households if h not in later]
        lag = set(self.rng.sample(others, min(len(others), lagging)))
        return ([w for w in warnings if w.household_id in later], [w for w in warnings if w.household_id in lag],
                [w for w in warnings if w.household_id not in later and w.household_id not in lag])

    def settle(self, warnings: list[Warning], day: date, cases_wanted: int) -> list[Case]:
        """Verify each household's warnings: open a case for the neediest, dismiss the rest."""
        by_household: dict[int, list[Warning]] = defaultdict(list)
        for w in warnings:
            if w.status in WarningStatus.open():
                by_household[w.household_id].append(w)
        recovers = self.secure(self.last)
        ranked = [(self._weight(by_household[h]) >= 3, h in recovers or self.rng.random() < 0.3, self.rng.random(), h)
                  for h in sorted(by_household)]
        order = [h for *_key, h in sorted(ranked, reverse=True)]
        opened: list[Case] = []
        for household_id in order:
            group = by_household[household_id]
            if len(opened) < cases_wanted and household_id not in self.busy and self._weight(group) >= 2:
                case = self.open_from(group[0], self.day(day + timedelta(days=self.rng.randrange(2, 9))))
                if case is not None:
                    opened.append(case)
                    for other in group[1:]:
                        self.dismiss(other, day, "同一户已纳入监测对象识别程序，证据并入该户档案。")
                    continue
            for w in group:
                self.dismiss(w, self.day(day + timedelta(days=self.rng.randrange(1, 6))))
        return opened

    def _draw(self, mix: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([code for code, _w in mix], weights=[w for _c, w in mix])[0]

    @staticmethod
    def _weight(group: list[Warning]) -> int:
        """How strongly the evidence points to a risk: income and spending rules, visits and reports weigh most."""
        codes = []
        for w in group:
            codes += [s.rule.code if s.rule_id and s.rule else s.channel for s in w.signals.all()] or [
                w.rule.code if w.rule_id and w.rule else w.channel]
        return sum(3 if code in STRONG_EVIDENCE else 1 for code in codes)

    # cases ---------------------------------------------------------------------------------------

    def open_from(self, warning: Warning, day: date) -> Case | None:
        household = warning.household
        user = self.cast.village(household.region_code)
        below = Category.UNSTABLE_EX_POOR if household.household_type == HouseholdType.EX_POOR else Category.EDGE
        # The category is checked against the latest income record: try first the one it supports.
        categories = [below, Category.SUDDEN] if household.pk in self.below_latest() else [Category.SUDDEN, below]
        # The verification names the cause; the rule's suggestion where it has one, half the time.
        rule_type = warning.rule.risk_type if warning.rule_id and warning.rule else ""
        risk = rule_type if rule_type and self.rng.random() < 0.5 else self._draw(RISK_MIX)
        source = {"visit": CaseSource.VISIT, "self_report": CaseSource.SELF_REPORT}.get(
            warning.channel, CaseSource.WARNING)
        case = None
        try:
            if warning.status == WarningStatus.NEW:
                self.calls.transition(warning, "verify", user, "", day - timedelta(days=1))
        except (warning_services.TransitionNotAllowed, PermissionDenied):
            return None
        for category in categories:  # the category the verification finds is the one the income supports
            try:
                case = self.calls.open_case(household, user, day, category=category, risk_types=[risk],
                                            source=source, first_clue_date=day - timedelta(days=2), warning=warning)
                break
            except (ActionRefused, warning_services.TransitionNotAllowed, PermissionDenied, ValidationError):
                continue
        if case is None:
            self.count["cases_refused_at_opening"] += 1
            return None
        self.busy.add(household.pk)
        self.count["cases_opened"] += 1
        return case

    def identify(self, cases: list[Case], start: date, *, stop_before: str | None = None) -> list[Case]:
        """Walk identifications village by village (one notice per village), each step on its day."""
        done: list[Case] = []
        by_village: dict[str, list[Case]] = defaultdict(list)
        for case in cases:
            by_village[case.region_code].append(case)
        for village, group in sorted(by_village.items()):
            cadre, officer = self.cast.village(village), self.cast.township(village)
            county = self.cast.county(village)
            d = self.working(start + timedelta(days=self.rng.randrange(0, 2)))
            # Not before the cases were opened (the day after their first clue). Most villages finish
            # within the 15 days from the first clue; a few start late and miss it.
            d = max(d, max(c.first_clue_date for c in group) + timedelta(days=1))
            if self.rng.random() < LATE_VILLAGE_SHARE:
                d += timedelta(days=self.rng.randrange(3, 9))
            d = self.day(d)
            walking: list[Case] = []
            for case in group:
                try:
                    self._step(case, "verify", cadre, d, files={"authorisation": _pdf("承诺授权书.pdf")})
                    self._step(case, "compare", officer, d + timedelta(days=1))
                    if self.rng.random() < WITHDRAWN_SHARE:
                        self.calls.perform(case, "withdraw", cadre, self.day(d + timedelta(days=2)),
                                           reason="农户书面申请撤回：家庭务工收入已恢复，不需要纳入监测。")
                        self.count["withdrawn"] += 1
                        continue
                    if stop_before == "appraisal" and self.rng.random() < 0.5:
                        continue
                    self._step(case, "appraisal", cadre, d + timedelta(days=2), reason=self.rng.choice(APPRAISAL_NOTES))
                    walking.append(case)
                except ActionRefused:
                    self.count["steps_refused"] += 1
            if not walking or stop_before == "notice":
                continue
            starts = self.day(d + timedelta(days=2))  # the day of the appraisal: a notice may start then
            ends = starts + timedelta(days=5)
            if ends >= self.today:
                continue  # the notice is still up: the cases wait at the notice step
            try:
                self.calls.notice(cadre, village, walking, starts, ends, starts, contact="村委会 0743-4260000")
            except (ActionRefused, ValidationError, PermissionDenied):
                self.count["notices_refused"] += 1
                continue
            self.count["notices"] += 1
            after = ends + timedelta(days=1)
            for case in walking:
                try:
                    self._step(case, "notice", cadre, after)
                    if self.rng.random() < REJECTED_SHARE:
                        self.calls.perform(case, "reject", officer, self.next_working(after + timedelta(days=1)),
                                           reason="乡镇审核：家庭收入核实后高于监测范围，不予纳入。")
                        self.count["rejected"] += 1
                        continue
                    if stop_before == "township" and self.rng.random() < 0.5:
                        continue
                    reviewed = self.next_working(after + timedelta(days=1))
                    self.calls.perform(case, "approve_township", officer, reviewed)
                    if stop_before == "county" and self.rng.random() < 0.6:
                        continue
                    approved = self.next_working(reviewed + timedelta(days=1))
                    self.calls.perform(case, "approve_county", county, approved)
                    self._step(case, "announce", officer, approved + timedelta(days=1))
                    self.calls.perform(case, "add_contact", officer, self.day(approved + timedelta(days=1)), data={
                        "name": self.cast.rng.choice(SURNAMES) + self.cast.rng.choice(GIVEN),
                        "phone": f"139{self.rng.randrange(10**8):08d}", "unit": "县直帮扶单位",
                        "position": "驻村工作队员", "starts_on": self.day(approved + timedelta(days=1))})
                    self._step(case, "file", officer, approved + timedelta(days=2))
                    self.measures(case, approved + timedelta(days=5))
                    done.append(case)
                except ActionRefused:
                    self.count["steps_refused"] += 1
        return done

    def _step(self, case: Case, code: str, user, day: date, **kw) -> None:
        self.calls.perform(case, "complete_step", user, self.day(day), data={"step": code}, **kw)

    def measures(self, case: Case, day: date) -> None:
        officer = self.cast.township(case.region_code)
        picks = [MEASURES[0] if self.rng.random() < 0.6 else MEASURES[1]]
        if self.rng.random() < 0.3:
            picks.append(self.rng.choice(MEASURES[2:]))
        for code, description, unit, amount in picks:
            starts = self.day(day + timedelta(days=self.rng.randrange(0, 20)))
            self.calls.perform(case, "add_measure", officer, starts, data={
                "measure_type": code, "description": description, "responsible_unit": unit,
                "responsible_person": self.cast.rng.choice(SURNAMES) + self.cast.rng.choice(GIVEN),
                "starts_on": starts, "ends_on": date(starts.year, 12, 31), "amount": amount,
                "funding_source": "衔接推进乡村振兴补助资金", "status": "active"})
            self.count["measures"] += 1

    def eliminate(self, cases: list[Case], day: date, *, share: float) -> list[Case]:
        """Try to eliminate the monitored cases whose criteria hold, in the mode that fits."""
        eliminated = []
        status = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "status"))
        for case in cases:
            if status.get(case.pk) != CaseStatus.MONITORED or case.household_id not in self.secure(day.year):
                continue
            if self.rng.random() > share:
                continue
            case.refresh_from_db()
            cadre = self.cast.village(case.region_code)
            d = self.working(day + timedelta(days=self.rng.randrange(0, 20)))
            # About one in three risks disappears by itself (自然消除); the rest through assistance.
            natural = self.count["eliminations_started"] % 3 == 1
            mode = EliminationMode.NATURAL if natural else EliminationMode.ASSISTANCE
            try:
                self.calls.perform(case, "start_elimination", cadre, d, data={"mode": mode})
            except ActionRefused:
                other = EliminationMode.NATURAL if mode == EliminationMode.ASSISTANCE else EliminationMode.ASSISTANCE
                try:
                    self.calls.perform(case, "start_elimination", cadre, d, data={"mode": other})
                except ActionRefused:
                    self.count["eliminations_refused"] += 1
                    continue
            self.count["eliminations_started"] += 1
            eliminated.append(case)
        return self._walk_eliminations(eliminated, day)

    def _walk_eliminations(self, cases: list[Case], day: date) -> list[Case]:
        done = []
        by_village: dict[str, list[Case]] = defaultdict(list)
        for case in cases:
            by_village[case.region_code].append(case)
        for village, group in sorted(by_village.items()):
            cadre, officer, county = self.cast.village(village), self.cast.township(village), self.cast.county(village)
            d = self.working(day + timedelta(days=21))
            try:
                for case in group:
                    self._step(case, "verify", cadre, d, reason=self.rng.choice(ELIMINATION_NOTES))
                    self._step(case, "appraisal", cadre, d + timedelta(days=2), reason=self.rng.choice(APPRAISAL_NOTES))
                starts, ends = d + timedelta(days=3), d + timedelta(days=9)
                if ends >= self.today:
                    continue
                self.calls.notice(cadre, village, group, starts, ends, starts, kind="elimination")
                after = ends + timedelta(days=1)
                for case in group:
                    self._step(case, "notice", cadre, after)
                    self.calls.perform(case, "approve_township", officer, self.working(after + timedelta(days=2)))
                    approved = self.working(after + timedelta(days=4))
                    self.calls.perform(case, "approve_county", county, approved)
                    self._step(case, "announce", officer, approved + timedelta(days=1))
                    self._step(case, "file", officer, approved + timedelta(days=2))
                    self.count["eliminated"] += 1
                    done.append(case)
            except (ActionRefused, ValidationError):
                self.count["steps_refused"] += 1
        return done

    # visits and self-reports --------------------------------------------------------------------

    def visits(self, year: int, n: int, findings: int, start: date | None = None, end: date | None = None,
               households: list[int] | None = None) -> list:
        start = start or date(year, 3, 1)
        end = self.day(end or date(year, 11, 30))
        if end < start:
            return []
        span = (end - start).days + 1
        visited = []
        pool = self.ids if households is None else households
        picked = self.rng.sample(pool, min(n, len(pool)))
        by_pk = Household.objects.in_bulk(picked)
        for i, pk in enumerate(picked):
            household = by_pk[pk]
            visit = Visit(household=household, visited_on=start + timedelta(days=self.rng.randrange(span)))
            if i < findings:
                visit.illness = self.rng.random() < 0.5
                visit.job_loss = not visit.illness
                visit.income_estimate = Decimal(self.rng.randrange(2500, 5500, 100))
                visit.note = self.rng.choice(VISIT_NOTES)
            try:
                record_visit(visit, self.cast.village(household.region_code))
            except (ValidationError, PermissionDenied):
                continue
            self.count["visits"] += 1
            if visit.warning_id:
                visited.append(visit)
        return visited

    def self_reports(self, n: int) -> list:
        made = []
        heads = Member.objects.filter(household_id__in=self.rng.sample(self.ids, min(n, len(self.ids))),
                                      relation=Relation.HEAD).select_related("household__village").order_by("id")
        for m in heads:
            data = SelfReportData(
                name=m.name, id_number=parse_id_number(m.id_number), phone=f"138{self.rng.randrange(10**8):08d}",
                village=m.household.village, risk_type=self.rng.choice(("YB", "YYWSG", "YWGJYBW")),
                description="家里有人生病住院，花了很多钱，希望村里来看看。")
            report = submit_self_report(data)
            self.count["self_reports"] += 1
            if report.warning_id:
                made.append(report)
        return made

    # the years -----------------------------------------------------------------------------------

    def play(self) -> Played:
        county_region = Region.objects.get(code=self.county)
        admin = self.cast.get(Role.ADMIN, self.county)
        dept = self.cast.get(Role.DEPARTMENT, self.county)
        clock = time.perf_counter()
        self.lines(admin)
        monitored: list[Case] = []
        rolled_back = False
        found: list[Visit] = []
        for year in range(self.first, self.last + 1):
            self.say(_("year %(year)d") % {"year": year})
            self.feeds(year, dept)
            found = self.visits(year, self.scaled(0.002, 3), self.scaled(0.0005, 1))
            if year == self.last:
                break  # the latest year's income is screened in the current months (below)
            screened_on = self.working(date(year + 1, 1, 15))
            warnings = self.screen_year(year, screened_on, self.sample(year, SCREENED_SHARE))
            warnings += self._warnings_of(found)
            opened = self.settle(warnings, screened_on, self.scaled(self.case_share, 2))
            monitored += self.identify(opened, screened_on + timedelta(days=10))
            eliminated = self.eliminate(monitored, date(year + 1, 9, 1), share=0.85)
            if eliminated and not rolled_back and year + 1 < self.today.year:
                rolled_back = self.rollback(eliminated[0], date(year + 1, 12, 1))
        self.current(county_region, monitored, found)
        self.played.seconds["play"] = round(time.perf_counter() - clock, 1)
        return self.played

    @staticmethod
    def _warnings_of(items: list) -> list[Warning]:
        ids = [item.warning_id for item in items if item.warning_id]
        return _with_evidence(Warning.objects.filter(pk__in=ids))

    def rollback(self, case: Case, day: date) -> bool:
        try:
            self.calls.perform(case, "rollback_elimination", self.cast.county(case.region_code), self.working(day),
                               reason="县级抽查发现家庭收入核算有误，风险尚未稳定消除，退回监测帮扶。")
        except ActionRefused:
            return False
        self.count["rollbacks"] += 1
        return True

    def current(self, county: Region, monitored: list[Case], found: list[Visit]) -> None:
        """The weeks before today: the latest year screened, cases and warnings under way, supervision."""
        today = self.today
        recent = today - timedelta(days=RECENT_DAYS)
        self.say(_("the last weeks"))
        # The latest year screened over the whole county some weeks ago (the officer's button): the
        # storm of warnings such a run raises, with those of the year's visits, verified by the
        # cadres: cases for the neediest, identified since (a few held at the township's review,
        # past their time limit), every other rule answered with its reason; some households with
        # strong evidence verified later, their cases still under way at every step; a few not
        # got to yet, past their deadline.
        screened_on = self.working(recent)
        warnings = self.screen_year(self.last, screened_on, None) + self._warnings_of(found)
        under_way_wanted = self.scaled(self.case_share * 0.25, 4)
        reserved, lagging, rest = self.triage(warnings, 3 * under_way_wanted, self.scaled(LAGGING_SHARE, 2))
        opened = self.settle(rest, screened_on, self.scaled(self.case_share * 0.8, 3))
        held = max(1, len(opened) // 20)
        self.identify(opened[:held], screened_on + timedelta(days=3), stop_before="township")
        monitored += self.identify(opened[held:], screened_on + timedelta(days=3))
        for w in lagging:
            if w.status == WarningStatus.NEW and self.rng.random() < 0.5:
                self.calls.transition(w, "verify", self.cast.village(w.region_code), "",
                                      screened_on + timedelta(days=self.rng.randrange(2, 12)))
        second = self.working(today - timedelta(days=16))
        under_way = self.settle(reserved, second, under_way_wanted)
        for stop, cases in zip(("appraisal", "notice", "township", "county"), _chunks(under_way, 4), strict=False):
            self.identify(cases, second + timedelta(days=3), stop_before=stop)
        # The latest eliminations: some filed, some still on notice or awaiting approval.
        self.eliminate(monitored, today - timedelta(days=75), share=0.2)
        self.eliminate(monitored, today - timedelta(days=22), share=0.6)
        # The visit campaign under way, with the warnings its visits raise (half of them settled).
        campaign = self.campaign(county, today - timedelta(days=50), today + timedelta(days=30))
        visits = self.visits(today.year, self.scaled(0.005, 5), self.scaled(0.0008, 1),
                             start=campaign.starts_on, end=today - timedelta(days=1))
        fresh = self._warnings_of(visits)
        # The cadres' regular visits to the monitored households (帮扶走访) over the last weeks.
        followed = sorted({c.household_id for c in monitored})
        self.visits(today.year, round(len(followed) * 0.4), 0, start=today - timedelta(days=40),
                    end=today - timedelta(days=1), households=followed)
        self.identify(self.settle(fresh[: len(fresh) // 2], today - timedelta(days=12), 2),
                      today - timedelta(days=9), stop_before="notice")
        # The departments' reports of the last weeks, each batch followed by a county-wide run: what
        # they changed raises the warnings of today's queue (some of the earlier batch's answered,
        # some past their deadline); the rest of the county stays as the cadres left it.
        dept = self.cast.get(Role.DEPARTMENT, self.county)
        n = self.scaled(CURRENT_FEED_SHARE, 2)
        self.feeds(today.year, dept, n=n, day=today - timedelta(days=20),
                   dated=(today - timedelta(days=50), today - timedelta(days=21)))
        late = self.screen_year(self.last, self.working(today - timedelta(days=14)), None)
        for w in late:
            if self.rng.random() < 0.8:
                self.dismiss(w, today - timedelta(days=12))
        self.feeds(today.year, dept, n=n * 3 // 2, day=today - timedelta(days=6),
                   dated=(today - timedelta(days=30), today - timedelta(days=7)), first=self.showcase(20))
        queue = late + self.screen_year(self.last, self.working(today - timedelta(days=3)), None)
        for w in queue:
            if w.status == WarningStatus.NEW and self.rng.random() < 0.3:
                self.calls.transition(w, "verify", self.cast.village(w.region_code), "", today - timedelta(days=1))
        # Household self-reports of today, then the county's supervision.
        self.self_reports(self.scaled(0.0004, 2))
        self.dispatch(county)
        self.spot_check(county)

    def campaign(self, county: Region, starts: date, ends: date):
        from shouwang.monitoring.fieldwork.models import Campaign

        officer = self.cast.county(county.code)
        earlier = launch_campaign(officer, name=f"{starts.year - 1}年度防返贫集中排查", region=county,
                                  starts_on=date(starts.year - 1, 9, 1), ends_on=date(starts.year - 1, 11, 30),
                                  basis="县防返贫工作领导小组办公室通知")
        close_campaign(earlier, officer)
        campaign = launch_campaign(officer, name=f"{starts.year}年秋季防返贫动态监测集中排查", region=county,
                                   starts_on=starts, ends_on=ends, basis="县防返贫工作领导小组办公室通知")
        self.count["campaigns"] = Campaign.objects.count()
        return campaign

    def dispatch(self, county: Region) -> None:
        from shouwang.supervision.dispatch import services as dispatch

        officer = self.cast.county(county.code)
        townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP, parent_code=county.code)
                         .order_by("code").values_list("code", flat=True))
        if not townships:
            return
        issued_on = self.today - timedelta(days=25)
        tasks = [
            dispatch.issue_task(officer, title="开展防返贫动态监测集中排查", deadline=self.today + timedelta(days=20),
                                targets=townships, body="请各乡镇组织村干部逐户走访，按时完成排查并上报。",
                                on=issued_on),
            dispatch.issue_task(officer, title="报送第三季度帮扶措施落实情况", deadline=self.today - timedelta(days=5),
                                targets=townships, body="请于期限前报送本乡镇帮扶措施台账。", on=issued_on),
        ]
        self.count["dispatch_tasks"] += len(tasks)
        for task in tasks:
            for recipient in task.recipients.order_by("region_code"):
                officer_t = self.cast.township(recipient.region_code)
                roll = self.rng.random()
                if roll < 0.45:
                    dispatch.complete(recipient, officer_t, "已按要求完成，台账已上传。")
                    self.count["dispatch_done"] += 1
                elif roll < 0.75:
                    dispatch.acknowledge(recipient, officer_t)

    def spot_check(self, county: Region) -> None:
        from shouwang.supervision.spotchecks import services as spotchecks
        from shouwang.supervision.spotchecks.models import SampleResult

        officer = self.cast.county(county.code)
        check = spotchecks.draw_spot_check(officer, name=f"{self.today.year}年度后评估抽查",
                                           seed=self.rng.randrange(2**31), region=county.code)
        self.count["spot_check_samples"] += check.sample_count
        samples = list(check.samples.order_by("id"))
        for sample in samples[: max(1, len(samples) // 3)]:
            if self.rng.random() < 0.12:
                spotchecks.record_result(sample, officer, result=SampleResult.DISCREPANCY, fields=["members"],
                                         note="实际常住人口与档案不符，已通知村里更正。")
            else:
                spotchecks.record_result(sample, officer, result=SampleResult.AS_REGISTERED)
            self.count["spot_checks_recorded"] += 1


def _chunks(items: list, n: int) -> list[list]:
    size = max(1, -(-len(items) // n))
    return [items[i: i + size] for i in range(0, len(items), size)][:n]


def _county_code(county: str | None) -> str:
    if county:
        return county[:6]
    code = Region.objects.filter(level=Region.Level.COUNTY).order_by("code").values_list("code", flat=True).first()
    if code is None:
        raise ValueError("No county is loaded: run load_regions first.")
    return code


def play_years(years: tuple[int, int] = (2021, 2025), *, seed: int = 20240601, county: str | None = None,
               today: date | None = None, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Play the demo years on the demo registry through the real services; returns what was done.

    ``today`` is the last simulated day (default: today); nothing is dated after it. Then the
    dashboards, the data-quality lists and the latest scorecard are computed, as the nightly
    jobs would.
    """
    today = today or timezone.localdate()
    code = _county_code(county)
    player = Player(seed, years[0], years[1], today, code, progress)
    # The story screens by itself: its feed commits queue no screening job of their own.
    with acting_as(source="manage.py seed_demo"), data_changed_muted(), households_changed_muted():
        played = player.play()
    clock = time.perf_counter()
    finish(code, today)
    played.seconds["figures"] = round(time.perf_counter() - clock, 1)
    played.counts.update(summary(code))
    return played.as_dict()


def seed_lines(years: tuple[int, int] = (2021, 2025), *, seed: int = 20240601, county: str | None = None,
               today: date | None = None) -> dict[str, Any]:
    """Only the demo county's monitoring lines, as the story sets them (confirmed lines, the others
    carried forward): what a demo county taken over from the national system needs before its import."""
    code = _county_code(county)
    player = Player(seed, years[0], years[1], today or timezone.localdate(), code, None)
    with acting_as(source="manage.py seed_demo"):
        player.lines(player.cast.get(Role.ADMIN, code))
    return dict(player.count)


def delete_story() -> dict[str, int]:
    """Remove what a previous play left (before ``seed_demo --replace`` deletes the demo registry).

    The cases hold their households (PROTECT) and go first, with everything that cascades from
    them; then what the cast did that is not tied to a household (notices left empty, campaigns,
    dispatched tasks, spot checks, feed batches). Warnings, signals, visits and self-reports go
    with the households. Lines stay: they are the county's, and a new play keeps them.
    """
    from shouwang.cases.models import Notice
    from shouwang.monitoring.fieldwork.models import Campaign
    from shouwang.supervision.dispatch.models import DispatchTask
    from shouwang.supervision.spotchecks.models import SpotCheck

    cast = User.objects.filter(username__regex=CAST_USERNAMES)
    gone: dict[str, int] = {}
    with transaction.atomic():
        gone["cases"] = Case.objects.filter(household__in=demo_households()).delete()[0]
        # Whatever else points at a demo household or member (warnings, signals, visits, tasks,
        # self-reports, feed rows), so that the registry's own deletion finds them gone.
        members = Member.objects.filter(household__in=demo_households())
        for model, rows in ((Household, demo_households()), (Member, members)):
            # Hidden relations too (related_name "+"): data-quality findings name households that way.
            for rel in model._meta.get_fields(include_hidden=True):
                if not isinstance(rel, ForeignObjectRel) or rel.many_to_many or rel.related_model is None:
                    continue
                related = rel.related_model
                if related in (Member, HouseholdYear) or not related._meta.managed:
                    continue  # the registry's own rows; screening's fact views hold no rows
                rows_of = related._base_manager.filter(**{f"{rel.field.name}__in": rows})
                gone[related._meta.label] = rows_of.delete()[0]
        gone["notices"] = Notice.objects.filter(cases__isnull=True).delete()[0]
        gone["campaigns"] = Campaign.objects.filter(created_by__in=cast).delete()[0]
        gone["dispatch"] = DispatchTask.objects.filter(issued_by__in=cast).delete()[0]
        gone["spot_checks"] = SpotCheck.objects.filter(created_by__in=cast).delete()[0]
        batches = FeedBatch.objects.filter(user__in=cast)
        FeedSignal.objects.filter(batch__in=batches).delete()
        FeedLead.objects.filter(batch__in=batches).delete()
        gone["feed_batches"] = batches.delete()[0]
    return gone


def finish(county: str, today: date) -> None:
    """What the nightly jobs compute: dashboards, data-quality findings, the last complete month's scorecard."""
    from shouwang.supervision.assessment.services import compute_snapshot, current_weights, period_choices
    from shouwang.supervision.dashboards.services import refresh
    from shouwang.supervision.quality.services import run_checks

    refresh(today=today, trigger="seed_demo")
    run_checks(county)
    current_weights(county)
    last_month = period_choices(today)[0]
    compute_snapshot(county, last_month.start, last_month.end)


def summary(county: str) -> dict[str, Any]:
    """The demo's counts: cases by state and mode, the monitored share, open and overdue items."""
    cases = Case.objects.filter(region_code__startswith=county)
    counts: dict[str, Any] = {}
    for status in CaseStatus.values:
        counts[f"cases_{status}"] = cases.filter(status=status).count()
    for mode in EliminationMode.values:
        counts[f"eliminated_{mode}"] = cases.filter(status=CaseStatus.ELIMINATED, elimination_mode=mode).count()
    households = Household.objects.filter(region_code__startswith=county).count() or 1
    identified = cases.filter(identified_on__isnull=False).values("household").distinct().count()
    counts["households"] = households
    counts["monitored_households"] = identified
    counts["monitored_permille"] = round(1000 * identified / households)
    counts["warnings_open"] = Warning.objects.filter(region_code__startswith=county,
                                                     status__in=WarningStatus.open()).count()
    counts["warnings_overdue"] = Warning.objects.filter(region_code__startswith=county).overdue().count()
    counts["cases_overdue"] = cases.overdue().count()
    return counts
