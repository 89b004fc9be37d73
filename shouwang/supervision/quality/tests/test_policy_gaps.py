"""The data-quality job's policy-gap rules on the gap tests' hand-made registry."""

from __future__ import annotations

import pytest

from shouwang.revitalization.gaps.tests.test_gaps import YEAR, world  # noqa: F401  (the hand-made registry)
from shouwang.supervision.quality.services import run_checks

pytestmark = pytest.mark.django_db


def test_quality_findings(world):  # noqa: F811
    run = run_checks("433122", YEAR)
    assert run.counts["POLICY_NOT_ENROLLED"] == 3  # 学甲, 学丙 (YULU); d (LOW)
    assert run.counts["POLICY_NOT_ELIGIBLE"] == 2  # 农戊 (YULU); b (LOW)
    findings = run.findings.filter(rule="POLICY_NOT_ELIGIBLE").order_by("household_id")
    got = sorted((f.household_id, f.member_id) for f in findings)
    assert got == sorted([(world["d"].pk, world["m"]["农戊"].pk), (world["b"].pk, None)])
    assert any("雨露计划" in f.detail for f in findings)
