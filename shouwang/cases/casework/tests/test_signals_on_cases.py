"""Risk signals and cases: a monitored household's new evidence goes on its case, escalating a
warning opens the case (or joins the open one) in the same transaction, and a case that ends
closes its signals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import COUNTY, VILLAGE_A1
from shouwang.cases.elimination.criteria import evaluate
from shouwang.cases.models import Case, CaseSource, CaseStatus, Category
from shouwang.cases.procedure.context import set_case
from shouwang.cases.procedure.opening import case_for_warning, open_case
from shouwang.cases.tests.factories import make_case
from shouwang.monitoring.fieldwork import services as fieldwork
from shouwang.monitoring.models import MonitoringLine, Signal, Visit, Warning, WarningStatus
from shouwang.monitoring.screening.services import screen
from shouwang.monitoring.tests.factories import household
from shouwang.monitoring.tests.warning_helpers import make_warning
from shouwang.monitoring.warnings import services as lifecycle

pytestmark = pytest.mark.django_db
YEAR = 2023  # the line of the default data: 7,500 yuan


@pytest.fixture(autouse=True)
def line(regions):
    this_year = timezone.localdate().year  # the criteria judge against the line in force today
    for year in {YEAR, this_year}:
        MonitoringLine.objects.update_or_create(year=year, region_code=COUNTY, defaults={"amount": Decimal("7500")})


def _verifying(h) -> Warning:
    screen(year=YEAR)
    warning = Warning.objects.get(household=h)
    return warning


def test_a_monitored_household_gets_its_signals_on_its_case_and_no_warning(client, personas):
    h = household(VILLAGE_A1, number="monitored", wage="6000", year=YEAR)
    case = make_case(h, status=CaseStatus.MONITORED)
    result = screen(year=YEAR)
    assert result.signals_added == 2 and result.warnings_created == 0
    assert not Warning.objects.exists()
    assert set(Signal.objects.values_list("case_id", flat=True)) == {case.pk}
    # A visit's finding goes there too.
    visit = fieldwork.record_visit(Visit(household=h, illness=True), personas["alice"])
    assert visit.warning_id is None and Signal.objects.filter(case_id=case.pk, channel="visit").exists()
    assert not Warning.objects.exists()
    # Counted in the review, never blocking the elimination by itself.
    no_new_risk = {c.code: c for c in evaluate(case)}["no_new_risk"]
    assert no_new_risk.holds and "3 new risk signals" in no_new_risk.detail
    # Shown on the case's page.
    client.force_login(personas["alice"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="signals-heading"' in html and "Cadre visit" in html


def test_escalating_opens_the_case_in_the_same_transaction(personas):
    h = household(VILLAGE_A1, number="poor", wage="6000", year=YEAR)
    warning = _verifying(h)
    first = warning.signals.order_by("raised_on", "id").first()
    lifecycle.transition(warning, "verify", personas["alice"])
    lifecycle.transition(warning, "escalate", personas["alice"], "Confirmed at home.")
    case = Case.objects.get(household=h)
    assert case.status == CaseStatus.IDENTIFYING and case.category == Category.EDGE
    assert case.source == CaseSource.WARNING and case.warning_id == warning.pk
    assert case.first_clue_date == first.raised_on and case.risk_types.exists()
    assert Warning.objects.get().status == WarningStatus.ESCALATED
    assert set(Signal.objects.values_list("case_id", "open")) == {(case.pk, True)}
    # A later screening adds nothing; a new rule would go on the case.
    assert screen(year=YEAR).signals_added == 0 and Warning.objects.count() == 1


def test_an_escalation_that_cannot_open_a_case_changes_nothing(personas):
    # Income above the line and no sudden difficulty: no category fits, so no case can be opened
    # automatically; the warning stays under verification (and the cadre uses the case form).
    h = household(VILLAGE_A1, number="dropout", wage="20000", dropout=True, year=YEAR)
    warning = _verifying(h)
    lifecycle.transition(warning, "verify", personas["alice"])
    with pytest.raises(lifecycle.TransitionNotAllowed, match="No case could be opened"):
        lifecycle.transition(warning, "escalate", personas["alice"])
    assert Warning.objects.get().status == WarningStatus.VERIFYING
    assert not Case.objects.exists() and not Signal.objects.filter(case_id__isnull=False).exists()


def test_escalating_joins_the_open_case(personas):
    h = household(VILLAGE_A1, number="poor", wage="6000", year=YEAR)
    warning = _verifying(h)  # raised before the case was opened directly
    case = make_case(h, status=CaseStatus.MONITORED)
    lifecycle.transition(warning, "verify", personas["alice"])
    lifecycle.transition(warning, "escalate", personas["alice"])
    assert Case.objects.count() == 1
    assert set(Signal.objects.values_list("case_id", flat=True)) == {case.pk}


def test_opening_a_case_directly_escalates_the_households_open_warning(personas):
    h = household(VILLAGE_A1, number="poor", wage="6000", year=YEAR)
    warning = _verifying(h)
    case = open_case(h, personas["alice"], category=Category.EDGE, risk_types=["YB"], source=CaseSource.DIRECT,
                     first_clue_date=timezone.localdate())
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ESCALATED  # no lead is left behind without a case
    assert set(Signal.objects.values_list("case_id", flat=True)) == {case.pk}


def test_a_case_that_ends_closes_its_signals(personas):
    h = household(VILLAGE_A1, number="monitored", wage="6000", year=YEAR)
    case = make_case(h, status=CaseStatus.MONITORED)
    screen(year=YEAR)
    assert Signal.objects.filter(case_id=case.pk, open=True).count() == 2
    set_case(case, status=CaseStatus.ELIMINATED, eliminated_on=date.today())
    assert not Signal.objects.filter(open=True).exists()
    # The household may be warned again.
    assert screen(year=YEAR).warnings_created == 1


def test_a_warning_without_signals_gives_its_case_the_countys_day_as_first_clue(personas):
    """17:00 UTC on 1 May is 01:00 on 2 May in the county: the clue date is 2 May, not UTC's 1 May."""
    warning = make_warning(VILLAGE_A1, status=WarningStatus.VERIFYING, wage="6000")
    warning.signals.all().delete()
    Warning.objects.filter(pk=warning.pk).update(created_at=datetime(2024, 5, 1, 17, 0, tzinfo=UTC))
    warning.refresh_from_db()
    case = case_for_warning(warning, personas["alice"], timezone.now())
    assert case.first_clue_date == date(2024, 5, 2)
