"""Which monitoring-object category (监测对象类别) a household belongs to, by policy.md §3.

* 脱贫不稳定户 (unstable ex-poor): an ex-poor household whose per-capita net income is within
  (below) the monitoring line;
* 边缘易致贫户 (edge): an ordinary household whose per-capita net income is below the line;
* 突发严重困难户 (sudden severe difficulty): income at or above the line, but large rigid
  spending or a sharp income drop; ex-poor or ordinary alike.

"Below the line" is ``per_capita_net_income < line`` exactly as the screening rule
INCOME_BELOW_LINE says it: a household at the line is not below it.

The line is the one in force for the year: the most specific line of that year covering the
household's region; where the county has not set the year's line yet, the most recent earlier
year's (the message names the year used). A line is configuration (``MonitoringLine``), never
a constant here.

The thresholds of "sudden difficulty" are the screening rules' own parameters (INCOME_DROP's
``drop``, MEDICAL_SPENDING's amounts), so the county sets them in one place; the figures in
``DEFAULT_*`` apply only where those rules are missing.

This module also holds the small lookups the elimination criteria and the consistency checks
share (the line in force, the latest income record, the medical spending thresholds), so that
"below the line" means the same thing in all three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Category
from shouwang.monitoring.lines.models import candidate_codes
from shouwang.monitoring.models import FeedSignal, MonitoringLine, Rule
from shouwang.registry.models import Household, HouseholdType, HouseholdYear

DEFAULT_INCOME_DROP = Decimal("0.3")
DEFAULT_MEDICAL = {"ex_poor_amount": Decimal("5000"), "other_amount": Decimal("20000"), "income_share": Decimal("0.5")}


def yuan(amount: Decimal | int | float | None) -> str:
    """Money as messages show it: 7,500.00."""
    return "—" if amount is None else f"{Decimal(amount):,.2f}"


# --- the line in force ----------------------------------------------------------------------

class LineBook:
    """All monitoring lines, loaded once (a few rows per year), answering "which line applies".

    Checks over a county of cases ask for hundreds of (region, year) pairs; one query and a
    dictionary beat one query per case.
    """

    def __init__(self, lines: Iterable[MonitoringLine]):
        self._by_year: dict[int, dict[str, MonitoringLine]] = {}
        for line in lines:
            self._by_year.setdefault(line.year, {})[line.region_code] = line
        self._years = sorted(self._by_year, reverse=True)

    @classmethod
    def load(cls) -> LineBook:
        return cls(MonitoringLine.objects.all())

    def in_force(self, region_code: str, year: int) -> MonitoringLine | None:
        """The year's most specific line covering the region, else the latest earlier year's."""
        codes = candidate_codes(region_code)
        for y in self._years:
            if y > year:
                continue
            lines = self._by_year[y]
            for code in codes:
                if code in lines:
                    return lines[code]
        return None


def line_in_force(region_code: str, year: int) -> MonitoringLine | None:
    """One lookup; loops use ``LineBook`` instead."""
    years = MonitoringLine.objects.filter(year__lte=year, region_code__in=candidate_codes(region_code))
    return LineBook(years).in_force(region_code, year)


def line_label(line: MonitoringLine, year: int) -> str:
    """"7,500.00 yuan" or, when an earlier year's line stands in, "7,500.00 yuan (the 2023 line)"."""
    if line.year == year:
        return _("%(amount)s yuan") % {"amount": yuan(line.amount)}
    return _("%(amount)s yuan (the %(year)s line; no line is set for %(current)s)") % {
        "amount": yuan(line.amount), "year": line.year, "current": year,
    }


# --- income records and spending ------------------------------------------------------------

def income_record(household: Household, year: int | None = None, *, up_to: int | None = None
                  ) -> HouseholdYear | None:
    """The household's record of ``year``; with no year, its latest record (of a year ≤ ``up_to``)."""
    qs = HouseholdYear.objects.filter(household=household)
    if year is not None:
        return qs.filter(year=year).first()
    if up_to is not None:
        qs = qs.filter(year__lte=up_to)
    return qs.order_by("-year").first()


def adjusted_per_capita(record: HouseholdYear) -> Decimal | None:
    """(Net income − compliant out-of-pocket spending) ÷ members, as screening computes it (§2.5)."""
    if not record.member_count or record.net_income is None:
        return None
    value = (Decimal(record.net_income) - Decimal(record.compliant_out_of_pocket)) / record.member_count
    return value.quantize(Decimal("0.01"))


def _rule_parameters(code: str) -> dict:
    rule = Rule.objects.filter(code=code).only("parameters").first()
    return dict(rule.parameters) if rule and rule.parameters else {}


def income_drop_threshold() -> Decimal:
    """The fractional drop INCOME_DROP treats as sharp (0.3 = a 30 % fall)."""
    return Decimal(str(_rule_parameters("INCOME_DROP").get("drop", DEFAULT_INCOME_DROP)))


def medical_thresholds() -> dict[str, Decimal]:
    """MEDICAL_SPENDING's amounts: yearly out-of-pocket for ex-poor / other people, share of income."""
    params = _rule_parameters("MEDICAL_SPENDING")
    return {key: Decimal(str(params.get(key, default))) for key, default in DEFAULT_MEDICAL.items()}


def medical_out_of_pocket(household: Household, end: date) -> Decimal:
    """Out-of-pocket medical spending the medical-insurance feed reported in the 12 months to ``end``."""
    start = end - timedelta(days=365)
    total = FeedSignal.objects.filter(
        household=household, kind=FeedSignal.Kind.MEDICAL_OUT_OF_POCKET, date__gt=start, date__lte=end,
    ).aggregate(s=Sum("amount"))["s"]
    return Decimal(total or 0)


def medical_spending_problem(household: Household, record: HouseholdYear | None, end: date) -> str | None:
    """Why the medical spending counts as large (MEDICAL_SPENDING's thresholds), or None."""
    spent = medical_out_of_pocket(household, end)
    if spent <= 0:
        return None
    limits = medical_thresholds()
    ex_poor = household.household_type == HouseholdType.EX_POOR
    limit = limits["ex_poor_amount"] if ex_poor else limits["other_amount"]
    if spent >= limit:
        return _("Out-of-pocket medical spending of %(spent)s yuan in the 12 months to %(end)s reaches the "
                 "threshold of %(limit)s yuan.") % {"spent": yuan(spent), "end": end.isoformat(), "limit": yuan(limit)}
    if record is not None and record.net_income is not None and spent > limits["income_share"] * Decimal(
            record.net_income):
        return _("Out-of-pocket medical spending of %(spent)s yuan in the 12 months to %(end)s is more than "
                 "%(share)s%% of the household's net income of %(income)s yuan.") % {
            "spent": yuan(spent), "end": end.isoformat(), "share": f"{limits['income_share'] * 100:.0f}",
            "income": yuan(record.net_income),
        }
    return None


def sudden_difficulties(household: Household, record: HouseholdYear, line: MonitoringLine) -> list[str]:
    """The signs of a sudden severe difficulty the registry and the feeds show for the record's year."""
    reasons: list[str] = []
    adjusted = adjusted_per_capita(record)
    if adjusted is not None and adjusted < line.amount:
        reasons.append(_(
            "After compliant out-of-pocket spending of %(spent)s yuan, per-capita income is %(adjusted)s yuan, "
            "below the line of %(line)s yuan."
        ) % {"spent": yuan(record.compliant_out_of_pocket), "adjusted": yuan(adjusted), "line": yuan(line.amount)})
    previous = HouseholdYear.objects.filter(household=household, year=record.year - 1).first()
    prev = None if previous is None or previous.per_capita_net_income is None else Decimal(
        previous.per_capita_net_income)
    if prev is not None and prev > 0 and record.per_capita_net_income is not None:
        now = Decimal(record.per_capita_net_income)
        drop = (prev - now) / prev
        if drop >= income_drop_threshold():
            reasons.append(_(
                "Per-capita income fell from %(prev)s yuan in %(prev_year)s to %(now)s yuan in %(year)s "
                "(%(drop)s%%)."
            ) % {"prev": yuan(prev), "prev_year": record.year - 1, "now": yuan(now), "year": record.year,
                 "drop": f"{drop * 100:.0f}"})
    medical = medical_spending_problem(household, record, min(date(record.year, 12, 31), timezone.localdate()))
    if medical:
        reasons.append(medical)
    return reasons


# --- categories -----------------------------------------------------------------------------

@dataclass(frozen=True)
class IncomePosition:
    """A household's per-capita income of a year against the line in force."""

    year: int
    record: HouseholdYear | None
    line: MonitoringLine | None

    @property
    def income(self) -> Decimal | None:
        return None if self.record is None or self.record.per_capita_net_income is None else Decimal(
            self.record.per_capita_net_income)

    @property
    def below(self) -> bool | None:
        """True below the line, False at or above it, None when either figure is unknown."""
        if self.income is None or self.line is None:
            return None
        return self.income < self.line.amount


def income_position(household: Household, year: int | None = None) -> IncomePosition:
    record = income_record(household, year)
    year = year if year is not None else (record.year if record else timezone.localdate().year)
    return IncomePosition(year=year, record=record, line=line_in_force(household.region_code, year))


def suggest_category(household: Household, year: int | None = None) -> str | None:
    """The category the household's data point to for ``year``, or None when they point to none.

    None also when the income or the line of the year is unknown: the cadre chooses then, and
    ``category_problems`` says what could not be checked.
    """
    position = income_position(household, year)
    if position.below is None:
        return None
    if position.below:
        if household.household_type == HouseholdType.EX_POOR:
            return Category.UNSTABLE_EX_POOR
        return Category.EDGE
    if sudden_difficulties(household, position.record, position.line):
        return Category.SUDDEN
    return None


def category_problems(household: Household, category: str, year: int | None = None, *,
                      unchecked: list[str] | None = None) -> list[str]:
    """Where ``category`` disagrees with the household's type and income (policy.md §3); [] if it agrees.

    Where the income cannot be checked (no record for the year, no members counted, no line),
    that is a problem too, unless the caller passes an ``unchecked`` list to receive it instead:
    a case opened from a fresh clue may come before the year's income record, and the home
    verification is where the income is established.
    """
    if category not in Category.values:
        return [_("Unknown category “%(category)s”.") % {"category": category}]
    label = Category(category).label
    problems: list[str] = []
    ex_poor = household.household_type == HouseholdType.EX_POOR
    if category == Category.UNSTABLE_EX_POOR and not ex_poor:
        problems.append(_(
            "“%(category)s” is for ex-poor households; household %(number)s is an ordinary rural household."
        ) % {"category": label, "number": household.number})
    if category == Category.EDGE and ex_poor:
        problems.append(_(
            "“%(category)s” is for ordinary rural households; household %(number)s is an ex-poor household, "
            "which is an unstable ex-poor household when its income is below the line."
        ) % {"category": label, "number": household.number})

    position = income_position(household, year)
    if position.record is None:
        (problems if unchecked is None else unchecked).append(_(
            "Household %(number)s has no income record for %(year)s: its per-capita net income cannot be "
            "checked against the monitoring line."
        ) % {"number": household.number, "year": position.year})
        return problems
    if position.income is None:
        (problems if unchecked is None else unchecked).append(_(
            "The income record of %(year)s counts no household members: per-capita net income is unknown."
        ) % {"year": position.year})
        return problems
    if position.line is None:
        (problems if unchecked is None else unchecked).append(_(
            "No monitoring line is set for %(year)s or earlier in this region: per-capita net income of "
            "%(income)s yuan cannot be checked."
        ) % {"year": position.year, "income": yuan(position.income)})
        return problems
    figures = {"category": label, "year": position.year, "income": yuan(position.income),
               "line": line_label(position.line, position.year)}
    if category in (Category.UNSTABLE_EX_POOR, Category.EDGE) and not position.below:
        problems.append(_(
            "“%(category)s” requires per-capita net income below the monitoring line; in %(year)s it is "
            "%(income)s yuan, not below the line of %(line)s."
        ) % figures)
    if category == Category.SUDDEN and position.below:
        problems.append(_(
            "“%(category)s” requires per-capita net income above the monitoring line; in %(year)s it is "
            "%(income)s yuan, below the line of %(line)s: the household is an unstable ex-poor or an edge "
            "household."
        ) % figures)
    return problems
