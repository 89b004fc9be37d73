"""The demo's village profiles and assets on a small generated county: plausible, valid, repeatable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import F

from conftest import COUNTY
from shouwang.regions.models import Region
from shouwang.registry.demo.services import seed_demo
from shouwang.revitalization.assets import demo as asset_demo
from shouwang.revitalization.assets.models import Asset, AssetCheck, AssetClass, AssetIncome
from shouwang.revitalization.projects.models import Project, ProjectFund
from shouwang.revitalization.villages import demo as village_demo
from shouwang.revitalization.villages.models import VillageProfile

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_demo_profiles_and_assets(regions):
    seed_demo(150, seed=7, years=(YEAR - 1, YEAR))
    project = Project.objects.create(year=YEAR - 1, name="茶叶加工", village_id="433122102201", goal="industry",
                                     category="industry", status="approved")
    ProjectFund.objects.create(project=project, source="central", amount=Decimal("500000"))
    villages = Region.objects.filter(level="village", code__startswith=COUNTY).count()

    counts = village_demo.populate(COUNTY, YEAR, seed=3)
    assert counts["village_profiles"] == 2 * villages == VillageProfile.objects.count()
    key = VillageProfile.objects.filter(year=YEAR).key()
    assert counts["key_villages"] == key.count()
    assert 0 < key.count() < villages
    assert VillageProfile.objects.filter(year=YEAR).with_weak().filter(is_weak=True).exists()

    made = asset_demo.populate(COUNTY, YEAR, seed=3, today=date(YEAR, 12, 31))
    assert made["assets"] == Asset.objects.count() > 0
    assert set(AssetClass.values) == set(Asset.objects.values_list("asset_class", flat=True))
    assert project.assets.filter(asset_class=AssetClass.OPERATING).exists()
    assert made["checks"] == AssetCheck.objects.count() == made["assets"]
    assert made["incomes"] == AssetIncome.objects.count() > 0
    over = AssetIncome.objects.filter(income__lt=F("to_collective") + F("to_households") + F("to_monitored"))
    assert not over.exists()

    # Run again: nothing more is made.
    assert village_demo.populate(COUNTY, YEAR, seed=3)["village_profiles"] == 0
    assert asset_demo.populate(COUNTY, YEAR, seed=3, today=date(YEAR, 12, 31))["assets"] == 0
