"""The demo's enrolments on a small generated county: both gaps have rows, and it repeats."""

from __future__ import annotations

import pytest

from conftest import COUNTY
from shouwang.registry.demo.services import seed_demo
from shouwang.revitalization.gaps import services as gaps
from shouwang.revitalization.policies.demo import populate as load_policies

from .. import demo
from ..models import Enrolment

pytestmark = pytest.mark.django_db
YEAR = 2025


def test_demo_enrolments(regions):
    seed_demo(120, seed=5, years=(YEAR - 1, YEAR))
    load_policies(COUNTY, YEAR, 1)
    counts = demo.populate(COUNTY, YEAR, seed=3)
    assert counts["enrolments_from_feed"] == Enrolment.objects.filter(source="feed").count() > 0
    assert counts["unknown_policy_rows"] == 2
    policies = [p for p in gaps.policies_for(COUNTY) if p.in_force(YEAR)]
    assert sum(gaps.not_enrolled(p, YEAR, COUNTY).count() for p in policies) > 0
    assert sum(gaps.not_eligible(p, YEAR, COUNTY).count() for p in policies) > 0
    again = demo.populate(COUNTY, YEAR, seed=3)
    assert again["enrolments_from_feed"] == 0 and again["enrolments_from_measures"] == 0
