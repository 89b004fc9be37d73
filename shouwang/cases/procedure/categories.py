"""Which monitoring-object category (监测对象类别) a household belongs to, by policy.md §3.

* 脱贫不稳定户 (unstable ex-poor): an ex-poor household whose per-capita net income is within
  (below) the monitoring line;
* 边缘易致贫户 (edge): an ordinary household whose per-capita net income is below the line;
* 突发严重困难户 (sudden severe difficulty): income at or above the line, but large rigid
  spending or a sharp income drop; ex-poor or ordinary alike.

Nothing here computes income, spending or a threshold of its own. The household's figures are
screening's facts of the year (``monitoring.rules.household``), "below the line" is
``per_capita_income < line`` exactly as the screening rule INCOME_BELOW_LINE says it (a household
at the line is not below it), and the signs of a sudden difficulty are the screening rules
themselves: ADJUSTED_INCOME_BELOW_LINE, INCOME_DROP and MEDICAL_SPENDING, each evaluated on the
household-year with its current expression and parameters. A county that changes a rule's
parameter (the drop, the medical amounts, the line multiple) changes the categories with it; a
rule that is inactive or missing is no sign here, as it raises no warning in screening.

The line is ``monitoring.lines.models.line_in_force`` for the household's region and the year,
the one answer screening, visits, elimination and the dashboards use too. A year without a line
has none: nothing is judged by another year's line, and the message says which year lacks one
and where to set it (``lines.services.no_line_message``). A line the county carried forward
(沿用上年标准) is the year's line and is named so (``line_label``).

This module also holds the small pieces the elimination criteria and the consistency checks
share (the latest income record, "below the line", the money and line labels), so that "below
the line" means the same thing in all three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Category
from shouwang.monitoring.lines.models import MonitoringLine, line_in_force
from shouwang.monitoring.lines.services import no_line_message
from shouwang.monitoring.rules.household import HouseholdYearFacts, household_year_facts
from shouwang.registry.models import Household, HouseholdType, HouseholdYear

# The screening rules whose firing is a sign of sudden severe difficulty (policy.md §2.5, §3).
ADJUSTED_BELOW_LINE = "ADJUSTED_INCOME_BELOW_LINE"
INCOME_DROP = "INCOME_DROP"
MEDICAL_SPENDING = "MEDICAL_SPENDING"
SUDDEN_RULES = (ADJUSTED_BELOW_LINE, INCOME_DROP, MEDICAL_SPENDING)
# The facts the category and its messages name.
POSITION_FACTS = ("per_capita_income", "line")
SPENDING_FACTS = ("compliant_out_of_pocket", "adjusted_per_capita_income", "medical_out_of_pocket_12m",
                  "ex_poor", "net_income")
DROP_FACTS = ("prev_per_capita_income", "income_change")


def yuan(amount: Decimal | int | float | None) -> str:
    """Money as messages show it: 7,500.00."""
    return "—" if amount is None else f"{Decimal(amount):,.2f}"


def below_line(income: Decimal | None, line: Decimal | None) -> bool | None:
    """``income < line`` (INCOME_BELOW_LINE): at the line is not below it; None when either is unknown."""
    if income is None or line is None:
        return None
    return Decimal(income) < Decimal(line)


def line_label(line: MonitoringLine) -> str:
    """"7,500.00 yuan", or for a carried-forward line "7,500.00 yuan (... carried forward from 2023)"."""
    if line.carried_forward:
        return _("%(amount)s yuan (previous year's line carried forward from %(year)s)") % {
            "amount": yuan(line.amount), "year": line.carried_from_year}
    return _("%(amount)s yuan") % {"amount": yuan(line.amount)}


# --- income records and the screening facts -------------------------------------------------

def income_record(household: Household, year: int | None = None, *, up_to: int | None = None
                  ) -> HouseholdYear | None:
    """The household's record of ``year``; with no year, its latest record (of a year ≤ ``up_to``)."""
    qs = HouseholdYear.objects.filter(household=household)
    if year is not None:
        return qs.filter(year=year).first()
    if up_to is not None:
        qs = qs.filter(year__lte=up_to)
    return qs.order_by("-year").first()


def adjusted_income_problem(facts: HouseholdYearFacts, line_text: str, *,
                            year: int | None = None) -> str | None:
    """Why ADJUSTED_INCOME_BELOW_LINE holds (spending pushes income below the line), or None.

    ``line_text`` is the line as the message shows it; ``year``, when given, is named too.
    """
    if ADJUSTED_BELOW_LINE not in facts.holds:
        return None
    figures = {"spent": yuan(facts["compliant_out_of_pocket"]), "line": line_text, "year": year,
               "adjusted": yuan(facts["adjusted_per_capita_income"])}
    if year is None:
        return _("After compliant out-of-pocket spending of %(spent)s yuan, per-capita income is "
                 "%(adjusted)s yuan, below the line of %(line)s yuan.") % figures
    return _("After compliant out-of-pocket spending of %(spent)s yuan in %(year)s, per-capita income is "
             "%(adjusted)s yuan, below the line of %(line)s.") % figures


def income_drop_problem(facts: HouseholdYearFacts) -> str | None:
    """Why INCOME_DROP holds (per-capita income fell sharply from the year before), or None."""
    if INCOME_DROP not in facts.holds:
        return None
    change = facts["income_change"]
    return _("Per-capita income fell from %(prev)s yuan in %(prev_year)s to %(now)s yuan in %(year)s "
             "(%(drop)s%%).") % {
        "prev": yuan(facts["prev_per_capita_income"]), "prev_year": facts.year - 1,
        "now": yuan(facts["per_capita_income"]), "year": facts.year,
        "drop": "—" if change is None else f"{-Decimal(change) * 100:.0f}",
    }


def medical_spending_problem(facts: HouseholdYearFacts) -> str | None:
    """Why MEDICAL_SPENDING holds (large out-of-pocket medical spending in the window), or None.

    The message names the rule's own threshold: the yearly amount for an ex-poor or another
    household when the spending reaches it, else the share of the household's net income.
    """
    if MEDICAL_SPENDING not in facts.holds:
        return None
    params = facts.parameters.get(MEDICAL_SPENDING, {})
    spent = Decimal(facts["medical_out_of_pocket_12m"] or 0)
    end = facts.window[1].isoformat()
    limit = params.get("ex_poor_amount" if facts["ex_poor"] else "other_amount")
    if limit is not None and spent >= limit:
        return _("Out-of-pocket medical spending of %(spent)s yuan in the 12 months to %(end)s reaches the "
                 "threshold of %(limit)s yuan.") % {"spent": yuan(spent), "end": end, "limit": yuan(limit)}
    share = params.get("income_share")
    if share is not None and facts["net_income"] is not None:
        return _("Out-of-pocket medical spending of %(spent)s yuan in the 12 months to %(end)s is more than "
                 "%(share)s%% of the household's net income of %(income)s yuan.") % {
            "spent": yuan(spent), "end": end, "share": f"{share * 100:.0f}",
            "income": yuan(facts["net_income"]),
        }
    return _("The screening rule %(rule)s holds for the household in %(year)s.") % {
        "rule": MEDICAL_SPENDING, "year": facts.year}


def sudden_difficulties(facts: HouseholdYearFacts) -> list[str]:
    """The signs of a sudden severe difficulty: the SUDDEN_RULES that hold on the household-year."""
    line = facts["line"]
    found = [
        adjusted_income_problem(facts, yuan(line)) if line is not None else None,
        income_drop_problem(facts),
        medical_spending_problem(facts),
    ]
    return [reason for reason in found if reason]


# --- categories -----------------------------------------------------------------------------

@dataclass(frozen=True)
class IncomePosition:
    """A household's per-capita income of a year against the line in force, as screening's facts."""

    year: int
    record: HouseholdYear | None
    line: MonitoringLine | None
    facts: HouseholdYearFacts | None  # None without a record of the year

    @property
    def income(self) -> Decimal | None:
        value = None if self.facts is None else self.facts["per_capita_income"]
        return None if value is None else Decimal(value)

    @property
    def below(self) -> bool | None:
        """True below the line, False at or above it, None when either figure is unknown."""
        return below_line(self.income, None if self.facts is None else self.facts["line"])


def income_position(household: Household, year: int | None = None, *,
                    rules: Iterable[str] = ()) -> IncomePosition:
    """Where the household's income of ``year`` (default: its latest record) stands against the line.

    The facts are those of a screening run on 31 December of the year (today, for the current
    year); ``rules`` are the screening rules to evaluate on them as well.
    """
    record = income_record(household, year)
    year = year if year is not None else (record.year if record else timezone.localdate().year)
    line = line_in_force(household.region_code, year)
    facts = None
    if record is not None:
        on = min(date(year, 12, 31), timezone.localdate())
        names = (*POSITION_FACTS, *SPENDING_FACTS, *DROP_FACTS) if rules else POSITION_FACTS
        facts = household_year_facts(household.pk, year, on=on, line=line, names=names, rules=rules)
    return IncomePosition(year=year, record=record, line=line, facts=facts)


def suggest_category(household: Household, year: int | None = None) -> str | None:
    """The category the household's data point to for ``year``, or None when they point to none.

    None also when the income or the line of the year is unknown: the cadre chooses then, and
    ``category_problems`` says what could not be checked.
    """
    position = income_position(household, year, rules=SUDDEN_RULES)
    if position.below is None or position.facts is None:
        return None
    if position.below:
        if household.household_type == HouseholdType.EX_POOR:
            return Category.UNSTABLE_EX_POOR
        return Category.EDGE
    if sudden_difficulties(position.facts):
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
            "Per-capita net income of %(income)s yuan in %(year)s cannot be checked against the line."
        ) % {"year": position.year, "income": yuan(position.income)} + " " + no_line_message(position.year))
        return problems
    figures = {"category": label, "year": position.year, "income": yuan(position.income),
               "line": line_label(position.line)}
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
