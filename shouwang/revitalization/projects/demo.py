"""The demo county's project library: two years of proposals walked through the three levels, funds,
disbursements, roll-over of the unfunded, and the households each project reaches.

Written through :mod:`.services` by the demo's cast (``village_<code>`` proposes and records the
households reached, ``township_<code>`` reviews, ``county_<code>`` decides and records the money),
so every row is scoped, validated and in the change log. Everything random comes from
``random.Random(seed)`` in a fixed order; a year whose library the county already has is left as it is.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from shouwang.accounts.demo import acting_account
from shouwang.accounts.models import Role
from shouwang.cases.models import Case
from shouwang.regions.models import Region
from shouwang.registry.models import Household

from . import services
from .models import BenefitKind, FundSource, Goal, Project, ProjectCategory

C = ProjectCategory
# (category, goal, name, budget range in 10,000 yuan, how it links to households, benefit kinds)
KINDS = (
    (C.INDUSTRY, Goal.INDUSTRY, "椪柑标准化种植基地", (30, 120), "土地流转租金、基地务工、入股分红",
     (BenefitKind.LAND_RENT, BenefitKind.JOBS, BenefitKind.DIVIDEND)),
    (C.INDUSTRY, Goal.INDUSTRY, "湘西黄牛养殖场", (40, 150), "托管代养分红、务工、订单收购",
     (BenefitKind.DIVIDEND, BenefitKind.JOBS, BenefitKind.PURCHASE)),
    (C.INDUSTRY, Goal.INDUSTRY, "茶叶加工厂", (50, 200), "鲜叶订单收购、务工",
     (BenefitKind.PURCHASE, BenefitKind.JOBS)),
    (C.INDUSTRY, Goal.INDUSTRY, "冷链仓储设施", (30, 90), "保底收购、入股分红",
     (BenefitKind.PURCHASE, BenefitKind.DIVIDEND)),
    (C.INDUSTRY, Goal.INDUSTRY, "油茶低产林改造", (20, 80), "务工、技术服务",
     (BenefitKind.JOBS, BenefitKind.SERVICE)),
    (C.EMPLOYMENT, Goal.PROSPERITY, "帮扶车间", (20, 60), "吸纳脱贫劳动力和监测对象务工",
     (BenefitKind.JOBS,)),
    (C.EMPLOYMENT, Goal.PROSPERITY, "乡村公益性岗位", (10, 30), "公益性岗位安置",
     (BenefitKind.JOBS,)),
    (C.CONSTRUCTION, Goal.ECOLOGY, "通组公路硬化", (40, 180), "以工代赈务工、方便出行",
     (BenefitKind.JOBS, BenefitKind.SERVICE)),
    (C.CONSTRUCTION, Goal.ECOLOGY, "安全饮水巩固提升工程", (20, 80), "保障饮水安全", (BenefitKind.SERVICE,)),
    (C.CONSTRUCTION, Goal.ECOLOGY, "人居环境整治", (10, 40), "以工代赈务工", (BenefitKind.JOBS,)),
    (C.RELOCATION, Goal.PROSPERITY, "安置区配套产业园", (50, 150), "安置户就近务工、租金分红",
     (BenefitKind.JOBS, BenefitKind.DIVIDEND)),
    (C.MONITORING, Goal.PROSPERITY, "监测对象小额信贷贴息", (5, 20), "贴息到户", (BenefitKind.SERVICE,)),
    (C.OTHER, Goal.CIVILITY, "新时代文明实践站", (5, 20), "文明实践服务", (BenefitKind.SERVICE,)),
    (C.OTHER, Goal.GOVERNANCE, "村级积分制管理", (3, 10), "积分兑换", (BenefitKind.SERVICE,)),
)
WEIGHTS = (6, 4, 3, 3, 3, 4, 2, 5, 3, 3, 1, 2, 1, 1)
# Amount a household gains a year, by benefit (yuan): low, high.
GAIN = {BenefitKind.JOBS: (6000, 20000), BenefitKind.DIVIDEND: (300, 1500), BenefitKind.LAND_RENT: (500, 3000),
        BenefitKind.PURCHASE: (2000, 8000), BenefitKind.SERVICE: (100, 800)}
REJECTIONS = ("与村庄规划不符，建议调整选址", "联农带农机制不清晰", "前期论证不充分，下年度再申报",
              "与已入库项目重复")
SHARE_PROPOSING = 0.45  # villages proposing in a year




def _day(rng: random.Random, year: int, first: int, last: int, today: date) -> date:
    start = date(year, 1, 1) + timedelta(days=first)
    return min(start + timedelta(days=rng.randrange(0, max(1, last - first))), today)


def _funds(rng: random.Random, category: str, budget: Decimal) -> dict[str, Decimal]:
    """A budget split over the sources: industry mostly central linkage funds, roads with integrated funds."""
    if category == C.INDUSTRY:
        shares = {FundSource.CENTRAL: 0.6, FundSource.PROVINCIAL: 0.2, FundSource.COUNTY: 0.1, FundSource.OTHER: 0.1}
    elif category == C.CONSTRUCTION:
        shares = {FundSource.CENTRAL: 0.3, FundSource.COUNTY: 0.2, FundSource.INTEGRATED: 0.5}
    else:
        shares = {FundSource.CENTRAL: 0.3, FundSource.PROVINCIAL: 0.2, FundSource.COUNTY: 0.3,
                  FundSource.INTEGRATED: 0.2}
    jitter = {k: v * rng.uniform(0.8, 1.2) for k, v in shares.items()}
    total = sum(jitter.values())
    return {k: (budget * Decimal(v / total)).quantize(Decimal("100")) for k, v in jitter.items()}


def populate(county_code: str, year: int, seed: int, today: date | None = None,
             share: float = SHARE_PROPOSING) -> dict:
    """Projects of ``year - 1`` and ``year`` on the county's villages (``share`` of them propose in a
    year), with money and households."""
    rng = random.Random(seed)
    today = today or date.today()
    county = acting_account(Role.COUNTY, county_code)
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=county_code).order_by("code"))
    counts = {"projects": 0, "rejected": 0, "funded": 0, "disbursements": 0, "beneficiaries": 0, "rolled_over": 0}
    for y in (year - 1, year):
        if date(y, 1, 1) > today:
            continue
        if Project.objects.filter(year=y, region_code__startswith=county_code, rolled_from__isnull=True).exists():
            continue  # the year's library is there already: kept as it is
        approved: list[Project] = []
        for village in villages:
            if rng.random() > share:
                continue
            households = list(Household.objects.filter(village=village).order_by("id").values_list("id", flat=True))
            monitored = list(Case.objects.open().filter(household__village=village).order_by("household_id")
                             .values_list("household_id", flat=True))
            for _ in range(rng.choice((1, 1, 2))):
                project = _propose(rng, village, y, households, monitored, county, counts)
                if project is not None:
                    approved.append(project)
        for project in approved:
            if rng.random() < (0.8 if y < year else 0.7):
                _fund(rng, project, county, y, counts, today)
        if y < year:
            counts["rolled_over"] += len(services.roll_over(county_code, y, county))
    return counts


def _propose(rng, village: Region, y: int, households: list[int], monitored: list[int], county, counts: dict):
    category, goal, name, (low, high), linkage, kinds = rng.choices(KINDS, weights=WEIGHTS)[0]
    cadre = acting_account(Role.VILLAGE, village.code)
    budget = Decimal(rng.randrange(low, high + 1) * 10000)
    neighbours = [v.code for v in services.township_villages(village.code) if v.code != village.code]
    further = rng.sample(neighbours, k=min(len(neighbours), rng.choice((0, 0, 1, 2))))
    project = services.propose(cadre, village=village.code, year=y, name=f"{village.name}{name}", goal=goal,
                               category=category, budget=budget, villages=further, linkage=linkage,
                               description=f"{village.name}{name}，总投资{budget / 10000:.0f}万元")
    counts["projects"] += 1
    township = acting_account(Role.TOWNSHIP, village.parent_code)
    if rng.random() < 0.06:
        services.act(project, township, "review", passed=False, reason=rng.choice(REJECTIONS))
        counts["rejected"] += 1
        return None
    services.act(project, township, "review", passed=True, reason="材料齐全，同意上报")
    if rng.random() < 0.06:
        services.act(project, county, "decide", passed=False, reason=rng.choice(REJECTIONS))
        counts["rejected"] += 1
        return None
    services.act(project, county, "decide", passed=True, reason="经县级审定，纳入项目库")
    # The households it reaches: some of the village's, monitored ones among them (联农带农 reaches
    # them first), a household may gain in several ways.
    reach = set(rng.sample(households, k=min(len(households), rng.randrange(3, 16))))
    reach |= set(rng.sample(monitored, k=min(len(monitored), rng.choice((0, 1, 2)))))
    for household in Household.objects.filter(id__in=reach).order_by("id"):
        for kind in rng.sample(kinds, k=1 if len(kinds) == 1 or rng.random() < 0.7 else 2):
            low_gain, high_gain = GAIN[kind]
            services.add_beneficiary(project, cadre, household=household, kind=kind,
                                     amount=Decimal(rng.randrange(low_gain, high_gain + 1, 100)))
            counts["beneficiaries"] += 1
    return project


def _fund(rng, project: Project, county, y: int, counts: dict, today: date) -> None:
    funds = _funds(rng, project.category, project.budget)
    services.set_funds(project, county, funds)
    counts["funded"] += 1
    total = sum(funds.values())
    # Paid in one to three instalments; last year's mostly all paid, this year's partly.
    share = Decimal(str(rng.choice((1, 1, 1, 0.9)) if y < today.year else rng.choice((0, 0.3, 0.5, 0.7, 1))))
    to_pay = (total * share).quantize(Decimal("100"))
    instalments = rng.choice((1, 2, 3))
    paid = Decimal(0)
    for i in range(instalments):
        amount = (to_pay - paid) if i == instalments - 1 else (to_pay / instalments).quantize(Decimal("100"))
        if amount <= 0:
            break
        day = _day(rng, y, 60 + 90 * i, 150 + 90 * i, today)
        services.add_disbursement(project, county, paid_on=day, amount=amount,
                                  note=("首期" if i == 0 else f"第{i + 1}期") + "拨付")
        paid += amount
        counts["disbursements"] += 1
