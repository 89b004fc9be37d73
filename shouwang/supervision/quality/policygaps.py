"""Data-quality rules over the policy catalogue: eligible but not enrolled (应享未享) and enrolled
but not eligible (应退未退), one finding per subject and policy, from the same queries as the gap
pages (``revitalization.gaps.services``: anti-joins the database runs, no loop over households)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.monitoring.rules.compiler import RuleError
from shouwang.revitalization.gaps import services as gaps

from .models import Severity
from .rulebase import Row, Rule


def _policies(region: str, year: int):
    return [p for p in gaps.policies_for(region) if p.in_force(year)]


def not_enrolled(region: str, year: int) -> Iterator[Row]:
    for policy in _policies(region, year):
        try:
            rows = list(gaps.not_enrolled(policy, year, region).values_list("region_code", "household_id",
                                                                            "member_id"))
        except RuleError:
            continue
        for village, household_id, member_id in rows:
            yield village, household_id, member_id, None, _(
                "Eligible for %(policy)s in %(year)d but not enrolled") % {"policy": policy.name_zh, "year": year}


def not_eligible(region: str, year: int) -> Iterator[Row]:
    for policy in _policies(region, year):
        try:
            rows = list(gaps.not_eligible(policy, year, region).values_list("region_code", "household_id",
                                                                            "member_id"))
        except RuleError:
            continue
        for village, household_id, member_id in rows:
            yield village, household_id, member_id, None, _(
                "Enrolled in %(policy)s in %(year)d but not eligible") % {"policy": policy.name_zh, "year": year}


RULES: tuple[Rule, ...] = (
    Rule("POLICY_NOT_ENROLLED", gettext_lazy("Eligible for a policy but not enrolled (应享未享)"), Severity.WARNING,
         not_enrolled, description=gettext_lazy(
             "Each policy's eligibility rule selects the person or household for the year, and no enrolment "
             "of that policy and year is recorded.")),
    Rule("POLICY_NOT_ELIGIBLE", gettext_lazy("Enrolled in a policy but not eligible (应退未退)"), Severity.WARNING,
         not_eligible, description=gettext_lazy(
             "An enrolment of the policy is recorded for the year, and its eligibility rule does not select the "
             "person or household.")),
)
