"""The demo's project library on a small generated county: plausible, valid, repeatable."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from conftest import COUNTY
from shouwang.cases.models import CaseStatus
from shouwang.cases.tests.factories import make_case
from shouwang.registry.demo.services import seed_demo
from shouwang.registry.models import Household
from shouwang.revitalization.projects import demo, services
from shouwang.revitalization.projects.models import Beneficiary, Disbursement, Project, ProjectFund, ProjectStatus

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_demo_projects_walk_the_workflow_with_money_and_households(regions):
    seed_demo(150, seed=7, years=(YEAR - 1, YEAR))
    for household in Household.objects.order_by("id")[:150:3]:  # a monitored household in a third of them
        make_case(household, village=household.village_id, status=CaseStatus.MONITORED)
    counts = demo.populate(COUNTY, YEAR, seed=3, today=date(YEAR, 11, 30), share=0.12)
    assert counts["projects"] == Project.objects.filter(rolled_from__isnull=True).count() > 0
    assert counts["beneficiaries"] + Beneficiary.objects.filter(project__rolled_from__isnull=False).count() \
        == Beneficiary.objects.count() > 0
    assert counts["disbursements"] == Disbursement.objects.count() > 0
    assert counts["rolled_over"] == Project.objects.filter(status=ProjectStatus.ROLLED_OVER).count()
    # Every project in the library went through the three levels (or was rolled over into it).
    for project in Project.objects.filter(status=ProjectStatus.APPROVED, rolled_from__isnull=True):
        assert list(project.steps.values_list("step", flat=True)) == ["propose", "review", "decide"]
    # No project is paid more than it was given; last year's unfunded rolled into this year.
    for project in services.with_totals(Project.objects.all()):
        assert project.disbursed <= project.funded
    assert not services.unfunded(Project.objects.filter(year=YEAR - 1)).exists()
    figures = services.figures(COUNTY, YEAR - 1)
    assert figures.households > figures.monitored_households > 0
    assert figures.industry_share is not None and figures.disbursement_rate > 50
    assert ProjectFund.objects.aggregate(s=Sum("amount"))["s"] > 0

    again = demo.populate(COUNTY, YEAR, seed=3, today=date(YEAR, 11, 30), share=0.12)  # a year already there is kept
    assert again["projects"] == 0
