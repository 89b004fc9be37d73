"""A small hand-made registry for the dashboard tests, with every figure known in advance.

Township A: village A1 holds six households with incomes at the edges of the bands and five
cases (monitored ×2, eliminating, identifying, eliminated), A2 one rejected case; township B:
village B1 one monitored case. The line is 10,000 yuan for 2023 (a county line), so a
one-person household's wage is its per-capita income and its band is easy to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from conftest import COUNTY, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1
from shouwang.cases.models import (
    AssistanceContact,
    Case,
    CaseStatus,
    Category,
    Level,
    Measure,
    MeasureStatus,
    MeasureType,
    Procedure,
    ProcedureKind,
    RiskType,
    Step,
    StepStatus,
)
from shouwang.monitoring.models import MonitoringLine, Warning, WarningChannel, WarningStatus
from shouwang.registry.models import Labour, Member
from shouwang.registry.tests.factories import make_household

TODAY = date(2024, 6, 15)
LINE = Decimal("10000")


def ensure_catalogues() -> None:
    """The seeded catalogues (a live-server test flushes what the data migration wrote)."""
    if not RiskType.objects.exists():
        from shouwang.cases.catalogue.seed import seed_catalogues

        seed_catalogues(RiskType, MeasureType)


def make_case(
    household,
    status: str,
    category: str,
    risks: list[str],
    *,
    identified: date | None = None,
    eliminated: date | None = None,
    mode: str = "",
    clue: date = date(2024, 3, 1),
) -> Case:
    case = Case.objects.create(
        household=household,
        status=status,
        category=category,
        first_clue_date=clue,
        identified_on=identified,
        eliminated_on=eliminated,
        elimination_mode=mode,
    )
    case.risk_types.set(RiskType.objects.filter(code__in=risks))
    return case


def measure(case: Case, code: str, status: str = MeasureStatus.ACTIVE) -> Measure:
    return Measure.objects.create(case=case, measure_type=MeasureType.objects.get(code=code), status=status)


def warning(village: str, channel: str, status: str, *, due: date, created: datetime) -> Warning:
    w = Warning.objects.create(
        household=make_household(village, members=1, year=None),
        year=2023,
        channel=channel,
        status=status,
        due_date=due,
    )
    Warning.objects.filter(pk=w.pk).update(created_at=created)
    return w


@dataclass
class Registry:
    households: dict
    cases: dict


def build() -> Registry:
    """Everything the figure tests count; the expected numbers are in the tests beside each check."""
    ensure_catalogues()
    MonitoringLine.objects.update_or_create(year=2023, region_code=COUNTY, defaults={"amount": LINE})
    one = {"members": 1}
    h = {
        # per-capita income = wage (one member): the band edges of policy.md §2 around the line
        "at_line": make_household(VILLAGE_A1, "A1-at-line", wage="10000", **one),
        "below_08": make_household(VILLAGE_A1, "A1-7999", wage="7999.99", **one),
        "at_08": make_household(VILLAGE_A1, "A1-8000", wage="8000", **one),
        "at_12": make_household(VILLAGE_A1, "A1-12000", wage="12000", **one),
        "at_15": make_household(VILLAGE_A1, "A1-15000", wage="15000", household_type="ex_poor", **one),
        "just_below_12": make_household(VILLAGE_A1, "A1-11999", wage="11999.99", **one),
        "a2": make_household(VILLAGE_A2, "A2-one", wage="30000", members=2),
        "b1": make_household(VILLAGE_B1, "B1-one", wage="5000", members=2),
    }
    # The at-line household cannot work: no labour among its members.
    Member.objects.filter(household=h["at_line"]).update(labour=Labour.NONE)

    c = {}
    c["edge"] = make_case(
        h["below_08"], CaseStatus.MONITORED, Category.EDGE, ["YB", "YX"], identified=date(2024, 3, 10)
    )
    measure(c["edge"], "industry")
    AssistanceContact.objects.create(case=c["edge"], name="帮扶人甲", starts_on=date(2024, 3, 10))

    c["disaster"] = make_case(
        h["at_08"],
        CaseStatus.MONITORED,
        Category.UNSTABLE_EX_POOR,
        ["YZRZH_HL", "YZRZH_DZ"],
        identified=date(2024, 4, 2),
        clue=date(2024, 3, 20),
    )
    measure(c["disaster"], "health", MeasureStatus.PLANNED)
    AssistanceContact.objects.create(
        case=c["disaster"], name="帮扶人乙", starts_on=date(2024, 4, 2), ends_on=date(2024, 5, 31)
    )  # no longer current on TODAY

    c["eliminating"] = make_case(
        h["at_line"],
        CaseStatus.ELIMINATING,
        Category.SUDDEN,
        ["YB"],
        identified=date(2024, 4, 20),
        clue=date(2024, 4, 1),
    )
    measure(c["eliminating"], "employment", MeasureStatus.STOPPED)  # stopped: counts for nothing
    AssistanceContact.objects.create(case=c["eliminating"], name="帮扶人丙")  # open-ended: current

    c["identifying"] = make_case(
        h["at_12"], CaseStatus.IDENTIFYING, Category.EDGE, ["QLDL"], clue=date(2024, 6, 1)
    )
    procedure = Procedure.objects.create(
        case=c["identifying"],
        kind=ProcedureKind.IDENTIFICATION,
        started_on=date(2024, 6, 1),
        due_date=date(2024, 6, 16),
    )
    for code, level, status, due in (
        ("verify", Level.VILLAGE, StepStatus.OPEN, TODAY - timedelta(days=1)),  # overdue
        ("compare", Level.TOWNSHIP, StepStatus.OPEN, TODAY),  # due today: not late yet
        ("appraisal", Level.VILLAGE, StepStatus.WAITING, None),
        ("county", Level.COUNTY, StepStatus.WAITING, None),
    ):
        Step.objects.create(
            procedure=procedure,
            code=code,
            level=level,
            status=status,
            due_date=due,
            opened_on=date(2024, 6, 1) if status == StepStatus.OPEN else None,
        )

    c["eliminated"] = make_case(
        h["at_15"],
        CaseStatus.ELIMINATED,
        Category.EDGE,
        ["YWGJYBW"],
        identified=date(2024, 1, 15),
        eliminated=date(2024, 5, 10),
        mode="natural",
        clue=date(2024, 1, 2),
    )
    c["rejected"] = make_case(h["a2"], CaseStatus.REJECTED, Category.EDGE, ["QT"], clue=date(2024, 5, 5))
    c["b1"] = make_case(
        h["b1"],
        CaseStatus.MONITORED,
        Category.SUDDEN,
        ["YC"],
        identified=date(2024, 5, 20),
        clue=date(2024, 5, 2),
    )
    measure(c["b1"], "industry")
    AssistanceContact.objects.create(case=c["b1"], name="帮扶人丁")
    # Township B has an overdue county step of its own (for the scoping tests).
    procedure_b = Procedure.objects.create(
        case=c["b1"], kind=ProcedureKind.ELIMINATION, started_on=date(2024, 6, 1), due_date=date(2024, 6, 10)
    )
    Step.objects.create(
        procedure=procedure_b,
        code="county",
        level=Level.COUNTY,
        status=StepStatus.OPEN,
        due_date=date(2024, 6, 10),
        opened_on=date(2024, 6, 1),
    )

    may = timezone.make_aware(datetime(2024, 5, 20, 10))
    june = timezone.make_aware(datetime(2024, 6, 3, 10))
    warning(VILLAGE_A1, WarningChannel.RULE, WarningStatus.NEW, due=TODAY - timedelta(days=3), created=june)
    warning(VILLAGE_A1, WarningChannel.RULE, WarningStatus.NEW, due=TODAY + timedelta(days=3), created=june)
    warning(
        VILLAGE_A1, WarningChannel.FEED, WarningStatus.VERIFYING, due=TODAY - timedelta(days=1), created=may
    )
    warning(
        VILLAGE_A1,
        WarningChannel.SELF_REPORT,
        WarningStatus.DISMISSED,
        due=TODAY - timedelta(days=9),
        created=may,
    )
    warning(
        VILLAGE_A1, WarningChannel.VISIT, WarningStatus.ESCALATED, due=TODAY - timedelta(days=9), created=june
    )
    warning(VILLAGE_A2, WarningChannel.FEED, WarningStatus.NEW, due=TODAY + timedelta(days=5), created=june)
    for _ in range(3):
        warning(
            VILLAGE_B1, WarningChannel.VISIT, WarningStatus.NEW, due=TODAY - timedelta(days=2), created=june
        )
    return Registry(h, c)
