"""The demo county's project assets: formed by the demo projects where they exist, older ones
recorded before the library, their checks, two years of income and a few disposals.

Written through :mod:`.services` by the demo's cast (``village_<code>`` records, ``county_<code>``
decides), so every row is scoped, validated and in the change log. Everything random comes from
``random.Random(seed)`` in a fixed order.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from shouwang.accounts.demo import acting_account
from shouwang.accounts.models import Role
from shouwang.core.audit import acting_as
from shouwang.regions.models import Region
from shouwang.registry.models import Household

from ..projects.models import Beneficiary, Project, ProjectCategory, ProjectStatus
from . import services
from .models import Asset, AssetClass, AssetCondition, DisposalKind
from .services import Distribution

# What a project of each category leaves behind: (class, kind, name).
FORMED = {
    ProjectCategory.INDUSTRY: (AssetClass.OPERATING, "厂房设备", "{name}厂房及设备"),
    ProjectCategory.EMPLOYMENT: (AssetClass.OPERATING, "帮扶车间", "{name}帮扶车间"),
    ProjectCategory.CONSTRUCTION: (AssetClass.PUBLIC, "基础设施", "{name}工程"),
    ProjectCategory.RELOCATION: (AssetClass.PUBLIC, "配套设施", "{name}配套设施"),
}
# Assets of villages recorded before the project library (2013–2020, 国办函〔2021〕51号 asks for all).
OLDER = (
    (AssetClass.PUBLIC, "道路", "通组公路", "3.2公里", 600000),
    (AssetClass.PUBLIC, "饮水工程", "集中供水工程", "1处", 280000),
    (AssetClass.OPERATING, "冷链仓储", "果蔬冷库", "1座", 450000),
    (AssetClass.OPERATING, "光伏电站", "村级光伏电站", "100千瓦", 700000),
    (AssetClass.OPERATING, "种植基地", "椪柑示范基地", "120亩", 320000),
)
LIVESTOCK = (("牲畜", "能繁母牛", "2头", 16000), ("牲畜", "湘西黄牛", "1头", 9000), ("农机", "微耕机", "1台", 4500))



CHECKERS = ("村监委会", "乡镇农业服务中心", "县乡村振兴局")


def _checked_on(rng: random.Random, year: int, today: date) -> date:
    day = date(year, 1, 1) + timedelta(days=rng.randrange(0, 330))
    return min(day, today)


def populate(county_code: str, year: int, seed: int, today: date | None = None) -> dict:
    rng = random.Random(seed)
    today = today or date.today()
    county = acting_account(Role.COUNTY, county_code)
    counts = {"assets": 0, "checks": 0, "incomes": 0, "disposals": 0}
    taken = set(Asset.objects.filter(region_code__startswith=county_code).values_list("number", flat=True))
    made: list[Asset] = []

    def record(user, **fields) -> Asset | None:
        if fields["number"] in taken:
            return None
        taken.add(fields["number"])
        with acting_as(user, "demo"):
            asset = services.create_asset(user, **fields)
        counts["assets"] += 1
        made.append(asset)
        return asset

    # Assets formed by the library's projects (in the library, with funds), up to the year.
    projects = (Project.objects.filter(region_code__startswith=county_code, status=ProjectStatus.APPROVED,
                                       year__lte=year).select_related("village")
                .annotate(funded=Sum("funds__amount")).order_by("year", "pk"))
    for project in projects:
        form = FORMED.get(project.category)
        if form is None or rng.random() < 0.2:  # some projects are services, or still being built
            continue
        asset_class, kind, name = form
        value = (project.funded or project.budget or Decimal("100000")) * Decimal(str(round(rng.uniform(0.7, 1), 2)))
        record(acting_account(Role.VILLAGE, project.village_id), number=f"ZC{project.year}{project.pk:06d}",
               name=name.format(name=project.name)[:200], asset_class=asset_class, region=project.village,
               project=project, kind=kind, formed_year=project.year, value=value.quantize(Decimal("1.00")),
               owner=f"{project.village.name}股份经济合作社", manager=f"{project.village.name}村委会",
               handover_date=date(project.year, 12, 1) if date(project.year, 12, 1) <= today else None)
        # Households the project reached may have been given something (到户类).
        if project.category == ProjectCategory.INDUSTRY:
            for i, b in enumerate(Beneficiary.objects.filter(project=project).select_related("household")[:3]):
                kind_, what, quantity, worth = rng.choice(LIVESTOCK)
                record(acting_account(Role.VILLAGE, b.household.region_code), number=f"ZH{project.pk:06d}{i}",
                       name=what, asset_class=AssetClass.HOUSEHOLD, region=b.household.village, project=project,
                       kind=kind_, quantity=quantity, formed_year=project.year, value=Decimal(worth),
                       owner=f"户{b.household.number}", household=b.household)

    # Older assets: a few villages each, and livestock given to ex-poor households.
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=county_code).order_by("code"))
    for village in rng.sample(villages, min(len(villages), max(3, len(villages) // 3))):
        user = acting_account(Role.VILLAGE, village.code)
        for i, (asset_class, kind, name, quantity, worth) in enumerate(rng.sample(OLDER, 2)):
            formed = rng.randrange(2014, 2021)
            record(user, number=f"LZ{village.code[-6:]}{i}", name=f"{village.name}{name}", asset_class=asset_class,
                   region=village, kind=kind, quantity=quantity, formed_year=formed,
                   value=Decimal(int(worth * rng.uniform(0.6, 1.4))), owner=f"{village.name}村集体",
                   manager=f"{village.name}村委会" if asset_class == AssetClass.PUBLIC else "县城投公司",
                   handover_date=date(formed, 11, 30))
        household = Household.objects.filter(region_code=village.code, household_type="ex_poor").order_by("pk").first()
        if household is not None:
            kind_, what, quantity, worth = rng.choice(LIVESTOCK)
            record(user, number=f"LH{village.code[-6:]}", name=what, asset_class=AssetClass.HOUSEHOLD, region=village,
                   kind=kind_, quantity=quantity, formed_year=2019, value=Decimal(worth), owner=f"户{household.number}",
                   household=household)

    # Checks, incomes and disposals.
    for asset in made:
        user = acting_account(Role.VILLAGE, asset.region_code) if len(asset.region_code) == 12 else county
        result = rng.choices([c.value for c in AssetCondition], weights=[70, 18, 7, 4, 1])[0]
        with acting_as(user, "demo"):
            services.record_check(user, asset, checked_on=_checked_on(rng, year, today),
                                  checked_by=rng.choice(CHECKERS), result=result)
            counts["checks"] += 1
            if asset.asset_class == AssetClass.OPERATING and result != AssetCondition.IDLE:
                for the_year in (year - 1, year):
                    if asset.formed_year and asset.formed_year >= the_year:
                        continue
                    income = (asset.value * Decimal(str(round(rng.uniform(0.03, 0.09), 3)))).quantize(Decimal("1"))
                    collective = (income * Decimal("0.5")).quantize(Decimal("1"))
                    households = (income * Decimal("0.25")).quantize(Decimal("1"))
                    monitored = (income * Decimal("0.15")).quantize(Decimal("1"))
                    shares = Distribution(income, collective, households, monitored)
                    services.record_income(user, asset, the_year, shares, households_reached=rng.randrange(20, 120),
                                           monitored_reached=rng.randrange(2, 12))
                    counts["incomes"] += 1
            if result == AssetCondition.LOST:
                disposal = services.request_disposal(user, asset, kind=DisposalKind.SCRAP,
                                                     reason="损毁无法修复，申请报废")
                counts["disposals"] += 1
                if rng.random() < 0.5:
                    with acting_as(county, "demo"):
                        services.decide_disposal(county, disposal, approve=True, note="经核实，同意报废")
    return counts
