"""The spot-check sample list's one filter: a spot check's page and its export list the same samples."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.models import HouseholdClass, SampleResult, SpotCheckSample
from shouwang.supervision.spotchecks import services as spotchecks


@pytest.fixture
def checks(personas):
    for i in range(6):
        make_household(VILLAGE_A1 if i % 2 else VILLAGE_B1, f"S-{i:02d}", household_type="ex_poor", members=1,
                       year=None)
    rates = dict.fromkeys(HouseholdClass.values, 0) | {HouseholdClass.EX_POOR_LABOUR: Decimal("1")}
    first = spotchecks.draw_spot_check(personas["erin"], name="第一次", rates=rates, seed=1)
    second = spotchecks.draw_spot_check(personas["erin"], name="复核", rates=rates, seed=2)
    samples = list(SpotCheckSample.objects.filter(spot_check=first).order_by("household__number"))
    SpotCheckSample.objects.filter(pk=samples[0].pk).update(result=SampleResult.DISCREPANCY)
    SpotCheckSample.objects.filter(pk=samples[1].pk).update(result=SampleResult.AS_REGISTERED)
    return first, second


@pytest.mark.parametrize("name", ["erin", "carol"])
def test_a_spot_checks_page_and_its_export_list_the_same_samples(list_rows, personas, checks, name):
    user = personas[name]
    for check in checks:
        for result in ("", "pending", "discrepancy", "as_registered", "unknown"):
            params = {"result": result} if result else {}
            url = reverse("supervision:spotcheck_detail", args=[check.pk])
            page = list_rows.page(user, url, params, key=lambda s: s.household.number)
            export = list_rows.export(user, "spotcheck_samples", {**params, "spot_check": check.pk},
                                      column="户编号")
            assert page == export, (check, params)
    page = list_rows.page(user, reverse("supervision:spotcheck_detail", args=[checks[0].pk]), {},
                          key=lambda s: s.household.number)
    assert len(page) == (6 if name == "erin" else 3)
