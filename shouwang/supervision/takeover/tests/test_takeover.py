"""The takeover as the issue states it, on the synthetic generator's county export: problems reported one line
each with nothing committed, the corrected file imported with every case in its state, counted by the
dashboards, and the same file again changing nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest

from shouwang.cases.assistance.models import AssistanceContact, Measure
from shouwang.cases.casefiles.models import Case, CaseSource, CaseStatus
from shouwang.registry.households.models import Household
from shouwang.supervision.dashboards.services import refresh
from shouwang.supervision.models import Figure
from shouwang.supervision.takeover.importer import import_national
from shouwang.supervision.takeover.synthetic import write_national_export

pytestmark = pytest.mark.django_db
YEAR, SEED, HOUSEHOLDS = 2025, 13, 120
OPEN = "open"


def export(problems: bool):
    buffer = io.BytesIO()
    summary = write_national_export(buffer, county="433122", households=HOUSEHOLDS, seed=SEED, year=YEAR,
                                    messy=True, problems=problems)
    return buffer.getvalue(), summary


def test_a_messy_export_with_problems_then_corrected(regions):
    content, summary = export(problems=True)
    report = import_national([(content, "（自定义）监测对象信息 (1).xlsx")], year=YEAR, commit=True)
    assert not report.committed and Household.objects.count() == 0 and Case.objects.count() == 0
    found = Counter((issue.row, issue.code) for issue in report.issues)
    expected = Counter((p.row, p.code) for p in summary.problems)
    assert found == expected  # one report line per problem, no other
    assert {p.code for p in summary.problems} == {"numeric_cell", "unknown_choice", "placeholder_id",
                                                  "disability_certificate"}
    assert summary.messy  # varied headers, .0 phones, full-width digits, 、-joined multi-selects...

    content, summary = export(problems=False)
    report = import_national([(content, "（自定义）监测对象信息 (2).xlsx")], year=YEAR, commit=True)
    assert report.ok and report.committed, report.to_dict()["errors"][:5]
    assert report.created == summary.households == Household.objects.count()
    assert report.details["cases"]["created"] == summary.monitored_total == Case.objects.count()
    states = {}
    for number, category, status, mode in Case.objects.values_list(
            "household__national_number", "category", "status", "elimination_mode"):
        states[number] = (category, OPEN if status == CaseStatus.MONITORED else mode)
    assert states == summary.cases
    assert {c for c, _s in states.values()} == {"unstable_ex_poor", "edge", "sudden"}  # every category
    assert {s for _c, s in states.values()} == {OPEN, "assistance", "natural"}  # and every state
    assert set(Case.objects.values_list("source", flat=True)) == {CaseSource.NATIONAL}
    assert not Case.objects.filter(identified_on__isnull=True).exists()
    assert not Case.objects.filter(status=CaseStatus.ELIMINATED, eliminated_on__isnull=True).exists()
    assert Measure.objects.values("case").distinct().count() == Case.objects.count()
    assert AssistanceContact.objects.values("case").distinct().count() == Case.objects.count()

    refresh()
    counted = dict(Figure.objects.filter(region_code="433122", metric="case_status", month__isnull=True)
                   .values_list("key", "value"))
    assert counted[CaseStatus.MONITORED] == summary.open
    assert counted[CaseStatus.ELIMINATED] == summary.eliminated_total

    again = import_national([(content, "（自定义）监测对象信息 (2).xlsx")], year=YEAR, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, summary.households)
    assert again.details["cases"] == {"created": 0, "updated": 0, "unchanged": summary.monitored_total}
