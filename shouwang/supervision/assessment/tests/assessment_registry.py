"""A hand-computed registry for the assessment tests: a few households per township, every row explicit.

Rows are written directly (no workflow), with every date that an indicator reads set by hand,
so the expected numbers in the tests can be worked out on paper from this file alone. The
period under test is the second quarter of 2024; the previous period is the first quarter.

Township A (433122102): villages A1, A2. Township B (433122104): village B1 (B2 stays empty).

====  =====  ==========================================================================================
 hh    vil.   what it is
====  =====  ==========================================================================================
 h1    A1     monitored; identified 03-10 (clue 02-25, due 03-11: on time, previous period); industry
              measure in place from 03-15; visits 03-01 (previous) and 04-10, 05-10 (period)
 h2    A1     monitored; identified 04-20 (due 04-25: on time); health measure from 05-01; visit 06-01
 h3    A1     monitored; identified 05-30 (due 05-16: late); only a planned measure; household without labour
 h4    A1     eliminated 06-10 (natural, consistent); identified 2023-06-01; industry measure done;
              a visit 06-05 (not monitored at the period end: not counted); a rollback transition
              dated 02-10 (counts in the previous period)
 h5    A2     monitored; identified 04-12 (due 04-16: on time); employment measure from 04-15; 3 visits
 h6    A2     eliminated 05-15 (natural) with a 2024 dropout: fails a consistency check; identified 2023-09-01
 h7    A2     monitored (rolled back on 05-05, a return); identified 2023-08-01; no measure
 h8    A2     identifying: procedure due 06-16 still open at the period end (late); an earlier one
              withdrawn (never judged)
 h9    B1     monitored; identified 04-14 (due 04-16: on time); industry measure; visit 05-20
 h10   B1     monitored; identified 01-20 (due 01-15: late, previous period); social protection from
              02-01; nobody can work; visit 06-15
 h11   B1     eliminated 06-20 (natural, consistent); identified 2023-05-01; industry measure done
 h12   B1     re-identified on 06-05 (a return): old identification 2023, new one due 06-18 still open
 h13   B1     rejected: identification decided 05-02, due 05-05 (on time)
 --    A1     a household with no case and a visit in the period (not counted)
====  =====  ==========================================================================================

Warnings (due date → closed): A1 w1 04-08 → 04-05 escalated (on time), w2 05-10 → 05-20 dismissed
(late), w3 06-01 still verifying (late), w4 07-05 open (not judged), w5 03-25 → 03-20 (previous);
A2 w6 04-05 → 04-02 escalated (on time); B1 w7 04-12 → 04-10 dismissed, w8 06-30 → 06-29 escalated.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from conftest import VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import (
    Case,
    CaseStatus,
    Category,
    EliminationMode,
    Measure,
    MeasureStatus,
    MeasureType,
    Procedure,
    ProcedureKind,
    ProcedureStatus,
    RiskType,
    Transition,
)
from shouwang.monitoring.models import Visit, Warning, WarningChannel, WarningStatus
from shouwang.registry.models import HouseholdYear, Member
from shouwang.registry.tests.factories import make_household

PERIOD = (date(2024, 4, 1), date(2024, 6, 30))
PREVIOUS = (date(2024, 1, 1), date(2024, 3, 31))


def at(day: date) -> datetime:
    """Noon local time on ``day`` (closing times are compared by their local date)."""
    return timezone.make_aware(datetime.combine(day, time(12)))


def household(village: str, *, no_labour: bool = False, labour: str | None = None):
    h = make_household(village, members=2, no_labour=no_labour)
    if labour:
        Member.objects.filter(household=h).update(labour=labour)
    return h


def case(h, status: str, *, identified_on: date | None = None, eliminated_on: date | None = None,
         clue: date | None = None, mode: str = "") -> Case:
    c = Case.objects.create(
        household=h, category=Category.EDGE, first_clue_date=clue or identified_on or date(2023, 1, 1), status=status,
        identified_on=identified_on, eliminated_on=eliminated_on,
        elimination_mode=mode or (EliminationMode.NATURAL if eliminated_on else ""),
    )
    c.risk_types.set(RiskType.objects.filter(code="YB"))
    return c


def identification(c: Case, *, started: date, due: date, status: str = ProcedureStatus.DONE,
                   closed: date | None = None) -> Procedure:
    return Procedure.objects.create(
        case=c, kind=ProcedureKind.IDENTIFICATION, started_on=started, due_date=due, status=status,
        closed_at=at(closed) if closed else None,
    )


def measure(c: Case, code: str, *, status: str = MeasureStatus.ACTIVE, starts: date | None = None) -> Measure:
    return Measure.objects.create(case=c, measure_type=MeasureType.objects.get(code=code), status=status,
                                  starts_on=starts, amount=Decimal("1000"))


def visit(h, day: date) -> Visit:
    return Visit.objects.create(household=h, visited_on=day)


def warning(h, due: date, *, status: str = WarningStatus.ESCALATED, closed: date | None = None) -> Warning:
    return Warning.objects.create(household=h, year=2024, status=status, channel=WarningChannel.VISIT, due_date=due,
                                  closed_at=at(closed) if closed else None)


def transition(c: Case, action: str, day: date) -> Transition:
    return Transition.objects.create(case=c, action=action, from_status=CaseStatus.ELIMINATED,
                                     to_status=CaseStatus.MONITORED, at=at(day))


def build() -> dict:
    """Write the registry above; returns the households and cases by name."""
    d = date
    made: dict = {}

    # --- village A1 ---
    h1 = household(VILLAGE_A1)
    c1 = case(h1, CaseStatus.MONITORED, identified_on=d(2024, 3, 10), clue=d(2024, 2, 25))
    identification(c1, started=d(2024, 2, 25), due=d(2024, 3, 11), closed=d(2024, 3, 10))
    measure(c1, "industry", starts=d(2024, 3, 15))
    for day in (d(2024, 3, 1), d(2024, 4, 10), d(2024, 5, 10)):
        visit(h1, day)

    h2 = household(VILLAGE_A1)
    c2 = case(h2, CaseStatus.MONITORED, identified_on=d(2024, 4, 20), clue=d(2024, 4, 10))
    identification(c2, started=d(2024, 4, 10), due=d(2024, 4, 25), closed=d(2024, 4, 20))
    measure(c2, "health", starts=d(2024, 5, 1))
    visit(h2, d(2024, 6, 1))

    h3 = household(VILLAGE_A1, no_labour=True, labour="none")
    c3 = case(h3, CaseStatus.MONITORED, identified_on=d(2024, 5, 30), clue=d(2024, 5, 1))
    identification(c3, started=d(2024, 5, 1), due=d(2024, 5, 16), closed=d(2024, 5, 30))
    measure(c3, "social_protection", status=MeasureStatus.PLANNED, starts=d(2024, 6, 1))

    h4 = household(VILLAGE_A1)
    c4 = case(h4, CaseStatus.ELIMINATED, identified_on=d(2023, 6, 1), eliminated_on=d(2024, 6, 10))
    identification(c4, started=d(2023, 5, 20), due=d(2023, 6, 4), closed=d(2023, 6, 1))
    measure(c4, "industry", status=MeasureStatus.DONE, starts=d(2023, 7, 1))
    visit(h4, d(2024, 6, 5))
    transition(c4, "rollback_elimination", d(2024, 2, 10))

    loose = household(VILLAGE_A1)
    visit(loose, d(2024, 5, 5))

    warning(h1, d(2024, 4, 8), closed=d(2024, 4, 5))
    warning(h2, d(2024, 5, 10), status=WarningStatus.DISMISSED, closed=d(2024, 5, 20))
    warning(h3, d(2024, 6, 1), status=WarningStatus.VERIFYING)
    warning(loose, d(2024, 7, 5), status=WarningStatus.NEW)
    warning(h4, d(2024, 3, 25), closed=d(2024, 3, 20))

    # --- village A2 ---
    h5 = household(VILLAGE_A2)
    c5 = case(h5, CaseStatus.MONITORED, identified_on=d(2024, 4, 12), clue=d(2024, 4, 1))
    identification(c5, started=d(2024, 4, 1), due=d(2024, 4, 16), closed=d(2024, 4, 12))
    measure(c5, "employment", starts=d(2024, 4, 15))
    for day in (d(2024, 4, 20), d(2024, 5, 20), d(2024, 6, 20)):
        visit(h5, day)

    h6 = household(VILLAGE_A2)
    HouseholdYear.objects.create(household=h6, year=2024, member_count=2, wage_income=Decimal("40000"), dropout=True)
    c6 = case(h6, CaseStatus.ELIMINATED, identified_on=d(2023, 9, 1), eliminated_on=d(2024, 5, 15))
    identification(c6, started=d(2023, 8, 20), due=d(2023, 9, 4), closed=d(2023, 9, 1))

    h7 = household(VILLAGE_A2)
    c7 = case(h7, CaseStatus.MONITORED, identified_on=d(2023, 8, 1))
    identification(c7, started=d(2023, 7, 20), due=d(2023, 8, 4), closed=d(2023, 8, 1))
    transition(c7, "rollback_elimination", d(2024, 5, 5))

    h8 = household(VILLAGE_A2)
    c8 = case(h8, CaseStatus.IDENTIFYING, clue=d(2024, 6, 1))
    identification(c8, started=d(2024, 4, 15), due=d(2024, 4, 30), status=ProcedureStatus.WITHDRAWN,
                   closed=d(2024, 5, 3))
    identification(c8, started=d(2024, 6, 1), due=d(2024, 6, 16), status=ProcedureStatus.OPEN)

    warning(h5, d(2024, 4, 5), closed=d(2024, 4, 2))

    # --- village B1 ---
    h9 = household(VILLAGE_B1)
    c9 = case(h9, CaseStatus.MONITORED, identified_on=d(2024, 4, 14), clue=d(2024, 4, 1))
    identification(c9, started=d(2024, 4, 1), due=d(2024, 4, 16), closed=d(2024, 4, 14))
    measure(c9, "industry", starts=d(2024, 4, 20))
    visit(h9, d(2024, 5, 20))

    h10 = household(VILLAGE_B1, labour="none")
    c10 = case(h10, CaseStatus.MONITORED, identified_on=d(2024, 1, 20), clue=d(2023, 12, 31))
    identification(c10, started=d(2023, 12, 31), due=d(2024, 1, 15), closed=d(2024, 1, 20))
    measure(c10, "social_protection", starts=d(2024, 2, 1))
    visit(h10, d(2024, 6, 15))

    h11 = household(VILLAGE_B1)
    c11 = case(h11, CaseStatus.ELIMINATED, identified_on=d(2023, 5, 1), eliminated_on=d(2024, 6, 20))
    identification(c11, started=d(2023, 4, 20), due=d(2023, 5, 5), closed=d(2023, 5, 1))
    measure(c11, "industry", status=MeasureStatus.DONE, starts=d(2023, 6, 1))

    h12 = household(VILLAGE_B1)
    c12 = case(h12, CaseStatus.IDENTIFYING, clue=d(2024, 6, 3))
    identification(c12, started=d(2023, 3, 1), due=d(2023, 3, 16), closed=d(2023, 3, 10))
    identification(c12, started=d(2024, 6, 5), due=d(2024, 6, 18), status=ProcedureStatus.OPEN)
    transition(c12, "reidentify", d(2024, 6, 5))

    h13 = household(VILLAGE_B1)
    c13 = case(h13, CaseStatus.REJECTED, clue=d(2024, 4, 20))
    identification(c13, started=d(2024, 4, 20), due=d(2024, 5, 5), status=ProcedureStatus.REJECTED,
                   closed=d(2024, 5, 2))

    warning(h9, d(2024, 4, 12), status=WarningStatus.DISMISSED, closed=d(2024, 4, 10))
    warning(h10, d(2024, 6, 30), closed=d(2024, 6, 29))

    made.update({f"h{i}": h for i, h in enumerate((h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13), 1)})
    made.update({f"c{i}": c for i, c in enumerate((c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13), 1)})
    return made
