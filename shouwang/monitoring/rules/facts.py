"""The household-year facts a screening rule may name, each computed by the database.

A fact is a name, a type (number, flag or text), a description for the people who write
rules, and how to compute it as a Django expression over ``HouseholdYear`` rows of the
screened year. Nothing else can appear in a rule: this registry *is* the whitelist.

Semantics worth knowing when writing a rule:

* A number that cannot be known is NULL (no previous year, no line for the region, zero
  members), and any comparison with NULL is not true: the rule does not fire.
* Money is in yuan; per-capita figures are rounded to the fen, half up, as ``HouseholdYear``
  rounds per-capita income (SQLite's ROUND and PostgreSQL's agree on half a fen).
* Feed facts count the signals dated inside the window: the 12 months that end on the
  screening date (policy.md §2.3); screening a past year ends the window on 31 December.

Facts over a household's members and feed signals are aggregated once per run, each table read
in one ``GROUP BY`` into a temporary relation keyed by household (``household_facts``: a table on
SQLite, a view on PostgreSQL), which the screening query joins. Written as correlated subqueries
instead, SQLite ran each one per row and again for every rule and the filter that names it:
three times slower at a county's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connections, models
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, NullIf, Round
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwang.registry.models import HouseholdType, Labour, Member

from ..feeds.models import FeedSignal
from ..lines.models import MonitoringLine
from .models import HouseholdMemberFacts, HouseholdSignalFacts

NUMBER, FLAG, TEXT = "number", "flag", "text"


def money_field() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2)


def ratio_field() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=6)


class ToReal(models.Func):
    """A number as an exact decimal (PostgreSQL) or a float (SQLite), so that ``/`` never truncates.

    SQLite keeps whole-yuan decimals as integers, and integer ÷ integer would drop the fraction.
    """

    template = "CAST(%(expressions)s AS NUMERIC)"
    output_field = models.DecimalField(max_digits=20, decimal_places=6)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS REAL)", **extra_context)


def divide(numerator, denominator, output_field: models.Field | None = None) -> CombinedExpression:
    """``numerator / denominator`` in true division; NULL (not an error) when the denominator is 0."""
    return CombinedExpression(
        ToReal(numerator), "/", NullIf(denominator, Value(0), output_field=ratio_field()),
        output_field=output_field or ratio_field(),
    )


def subtract(a, b) -> CombinedExpression:
    return CombinedExpression(a, "-", b, output_field=money_field())


@dataclass(frozen=True)
class FactContext:
    """What a fact needs besides the row: the screened year, the feed window, the year's lines.

    ``households``, when set, is the household id range ``[first, end)`` one part of a split
    run screens: the joins are narrowed to it as well as the screened rows.
    """

    year: int
    window_start: date
    window_end: date
    lines: list[MonitoringLine] = field(default_factory=list)
    households: tuple[int, int] | None = None

    @classmethod
    def for_year(cls, year: int, on: date | None = None) -> FactContext:
        """The context for screening ``year``; the window ends on ``on`` or else on 31 December."""
        end = on or date(year, 12, 31)
        return cls(year=year, window_start=window_start(end), window_end=end,
                   lines=MonitoringLine.objects.for_year(year))


def window_start(end: date) -> date:
    """First day of the 12 months ending on ``end`` (a 29 February end starts on 1 March)."""
    try:
        return date(end.year - 1, end.month, end.day) + timedelta(days=1)
    except ValueError:  # 29 February in a year without one
        return date(end.year - 1, 3, 1)


@dataclass(frozen=True)
class Fact:
    name: str
    type: str
    description: Promise
    build: Callable[[FactContext], models.Expression]
    values: tuple[str, ...] = ()  # for text facts, the values it takes
    # The relations ``build`` refers to.
    joins: Callable[[FactContext], dict[str, FilteredRelation]] | None = None
    # For facts read from the run's aggregates (rules/models.py): which table is aggregated ("members" or "signals"),
    # the column, and the aggregate over that table's rows of one household.
    aggregate: tuple[str, str, Callable[[FactContext], models.Aggregate]] | None = None
    # For facts of a registry beyond screening's (wording.LABELS names screening's): the short name a
    # condition uses, for a flag the statement negated, and the unit of constants beside it ("yuan", "%").
    label: Promise | None = None
    negated: Promise | None = None
    unit: str = ""


# --- builders -------------------------------------------------------------------------------

def _per_capita(ctx: FactContext):
    return F("per_capita_net_income")


def _line(ctx: FactContext):
    """The first of the year's lines whose region code is a prefix of the household's code.

    ``LineBook.in_force`` written as SQL: ``ctx.lines`` is the year's lines in the order they are
    tried (``LineBook.of_year``); the national line ("" covers everyone) ends the search.
    """
    whens, national = [], None
    for line in ctx.lines:
        if not line.region_code:
            national = line.amount
            break
        whens.append(When(region_code__startswith=line.region_code,
                          then=Value(line.amount, output_field=money_field())))
    default = Value(national, output_field=money_field())
    return Case(*whens, default=default, output_field=money_field()) if whens else default


PREVIOUS_YEAR = "monitoring_previous_year"


def _previous_year_join(ctx: FactContext) -> dict[str, FilteredRelation]:
    """The same household's row of the year before, as a LEFT JOIN (cheaper than a subquery per use)."""
    # Narrowed to a part's households: PostgreSQL would otherwise hash the whole previous year.
    condition = Q(household_years__year=ctx.year - 1) & _in_part("household_years__household_id", ctx)
    return {PREVIOUS_YEAR: FilteredRelation("household_years", condition=condition)}


def _in_part(path: str, ctx: FactContext) -> Q:
    """``path`` within the part's household id range; no condition for an unsplit run."""
    if not ctx.households:
        return Q()
    return Q(**{f"{path}__gte": ctx.households[0], f"{path}__lt": ctx.households[1]})


HOUSEHOLD = "monitoring_household"


def _household_join(ctx: FactContext) -> dict[str, FilteredRelation]:
    """The household itself as a LEFT JOIN, narrowed like the previous year to a part's households."""
    # A relation needs some condition: for an unsplit run, one every household meets.
    condition = _in_part("household_row__id", ctx) if ctx.households else Q(household_row__id__isnull=False)
    return {HOUSEHOLD: FilteredRelation("household_row", condition=condition)}


def _prev_per_capita(ctx: FactContext):
    return ExpressionWrapper(F(f"{PREVIOUS_YEAR}__per_capita_net_income"), output_field=money_field())


def _income_change(ctx: FactContext):
    # Rounded to 6 places so that an exact 30 % drop, computed in binary floats on SQLite,
    # lands on -0.3 itself and compares equal to the threshold, as it does on PostgreSQL.
    prev = _prev_per_capita(ctx)
    return Round(divide(subtract(F("per_capita_net_income"), prev), prev), 6, output_field=ratio_field())


def _adjusted_per_capita(ctx: FactContext):
    # Rounded to the fen like HouseholdYear.per_capita_net_income (half up on SQLite and
    # PostgreSQL alike): 7,499.995 counts as 7,500.00, at the line and not below it.
    return Round(
        divide(subtract(F("net_income"), F("compliant_out_of_pocket")), F("member_count")), 2,
        output_field=money_field(),
    )


# Where each source's per-household aggregates are joined from (rules/models.py).
AGGREGATES = {
    "members": ("screening_member_facts__", HouseholdMemberFacts),
    "signals": ("screening_signal_facts__", HouseholdSignalFacts),
}


def _aggregated(source: str, column: str) -> F:
    return F(AGGREGATES[source][0] + column)


def _aggregated_count(source: str, column: str):
    """A count of the run's aggregates (0 for a household with no member or signal rows)."""
    return lambda ctx: Coalesce(_aggregated(source, column), Value(0), output_field=models.IntegerField())


class _Positive(models.Func):
    """``(COALESCE(count, 0) > 0)``, parenthesised: PostgreSQL refuses ``a > 0 = true`` unbracketed."""

    template = "(COALESCE(%(expressions)s, 0) > 0)"
    output_field = models.BooleanField()


def _aggregated_any(source: str, column: str):
    return lambda ctx: _Positive(_aggregated(source, column))


def _aggregated_sum(source: str, column: str):
    return lambda ctx: Coalesce(_aggregated(source, column), Value(Decimal("0")), output_field=money_field())


def _in_window(ctx: FactContext, *kinds: str, **where) -> Q:
    return Q(kind__in=kinds, date__gte=ctx.window_start, date__lte=ctx.window_end, **where)


def _members(column: str, condition: Q):
    """The household's members for whom ``condition`` holds, counted.

    Counted by ``household_id`` (never NULL) rather than the id: ``member_household_guarantees``
    holds every column this reads, so PostgreSQL answers from the index without the wide rows.
    """
    return ("members", column, lambda ctx: Count("household", filter=condition))


def _signal_count(column: str, *kinds: str, **where):
    return ("signals", column, lambda ctx: Count("pk", filter=_in_window(ctx, *kinds, **where)))


def _signal_total(column: str, *kinds: str):
    return ("signals", column, lambda ctx: Sum("amount", filter=_in_window(ctx, *kinds), output_field=money_field()))


def _member_fact(name, type_, description, column, condition: Q) -> Fact:
    build = _aggregated_count("members", column) if type_ == NUMBER else _aggregated_any("members", column)
    return Fact(name, type_, description, build, aggregate=_members(column, condition))


def _signal_flag(name, description, column, *kinds, **where) -> Fact:
    return Fact(name, FLAG, description, _aggregated_any("signals", column),
                aggregate=_signal_count(column, *kinds, **where))


def _signal_amount(name, description, column, *kinds) -> Fact:
    return Fact(name, NUMBER, description, _aggregated_sum("signals", column),
                aggregate=_signal_total(column, *kinds))


def _flag(name: str):
    return lambda ctx: ExpressionWrapper(F(name), output_field=models.BooleanField())


def _number(name: str, output_field: Callable[[], models.Field] = money_field):
    return lambda ctx: ExpressionWrapper(F(name), output_field=output_field())


K = FeedSignal.Kind

FACTS: dict[str, Fact] = {
    f.name: f
    for f in [
        Fact("per_capita_income", NUMBER, _("Per-capita net income of the year (家庭年人均纯收入), yuan."),
             _per_capita),
        Fact("net_income", NUMBER, _("Household net income of the year (家庭纯收入), yuan."), _number("net_income")),
        Fact("line", NUMBER,
             _("The monitoring line for the year and the household's region (county over prefecture over province "
               "over national); unknown when no line applies."), _line),
        Fact("prev_per_capita_income", NUMBER,
             _("Per-capita net income of the previous year; unknown when that year is not recorded."),
             _prev_per_capita, joins=_previous_year_join),
        Fact("income_change", NUMBER,
             _("Change of per-capita income against the previous year as a fraction: (this − previous) ÷ previous; "
               "-0.3 is a drop of 30 %. Unknown without a previous year or when it was 0."), _income_change,
             joins=_previous_year_join),
        Fact("compliant_out_of_pocket", NUMBER, _("Compliant out-of-pocket spending of the year (合规自付支出), yuan."),
             _number("compliant_out_of_pocket")),
        Fact("adjusted_per_capita_income", NUMBER,
             _("(Household net income − compliant out-of-pocket spending) ÷ members, yuan, rounded to the fen."),
             _adjusted_per_capita),
        Fact("members", NUMBER, _("Household members counted for the year."),
             _number("member_count", models.IntegerField)),
        _member_fact("labour_members", NUMBER, _("Members with labour capacity (skilled, ordinary, weak or partial)."),
                     "labour_members", Q(labour__in=Labour.able())),
        Fact("housing_grade", TEXT, _("Housing safety grade: \"A\", \"B\", \"C\", \"D\", or \"\" when not appraised."),
             lambda ctx: F("housing_grade"), values=("", "A", "B", "C", "D")),
        Fact("water_secured", FLAG, _("Drinking water is secured."), _flag("water_secured")),
        Fact("dropout", FLAG, _("A child has dropped out of compulsory education."), _flag("dropout")),
        Fact("uninsured_member", FLAG, _("A member has no basic medical insurance."), _flag("uninsured_member")),
        Fact("ex_poor", FLAG, _("The household is an ex-poor household (脱贫户)."),
             lambda ctx: ExpressionWrapper(Q(**{f"{HOUSEHOLD}__household_type": HouseholdType.EX_POOR}),
                                           output_field=models.BooleanField()), joins=_household_join),
        Fact("no_labour", FLAG, _("The household is marked as a whole household without labour capacity."),
             _flag(f"{HOUSEHOLD}__no_labour"), joins=_household_join),
        _member_fact("safety_net", FLAG,
                     _("A member receives the minimum living allowance (低保) or extreme-poverty support (特困)."),
                     "safety_net_members", Q(dibao=True) | Q(tekun=True)),
        _signal_amount("medical_out_of_pocket_12m",
                       _("Out-of-pocket medical spending reported by the medical insurance feed in the window, yuan."),
                       "medical_out_of_pocket", K.MEDICAL_OUT_OF_POCKET),
        _signal_flag("new_dibao_tekun", _("Civil affairs reported a new 低保 or 特困 in the window."),
                     "new_dibao_tekun", K.NEW_DIBAO, K.NEW_TEKUN),
        _signal_flag("new_severe_disability",
                     _("The disabled persons' federation reported a new severe disability in the window."),
                     "new_severe_disability", K.NEW_SEVERE_DISABILITY),
        _signal_flag("disaster_loss", _("Emergency management reported a disaster loss in the window."),
                     "disaster_loss", K.DISASTER_LOSS),
        _signal_amount("disaster_loss_amount", _("Disaster losses reported in the window, yuan."),
                       "disaster_loss_amount", K.DISASTER_LOSS),
        _signal_flag("unemployment", _("Human resources reported unemployment in the window."),
                     "unemployment", K.UNEMPLOYMENT),
        _signal_flag("temporary_assistance",
                     _("Civil affairs reported temporary assistance (临时救助) in the window."),
                     "temporary_assistance", K.TEMPORARY_ASSISTANCE),
        _signal_flag("dropout_reported", _("The education bureau reported a school dropout in the window."),
                     "dropout_reported", K.DROPOUT),
        _signal_flag("dangerous_housing_reported",
                     _("The housing bureau appraised the house as grade C or D in the window."),
                     "dangerous_housing_reported", K.HOUSING_APPRAISAL, category__in=("C", "D")),
        _signal_flag("water_problem_reported",
                     _("The water bureau reported a drinking-water problem in the window."),
                     "water_problem_reported", K.WATER),
    ]
}


def fact_alias(name: str) -> str:
    """The annotation a fact is computed into; prefixed so it never clashes with a model field."""
    return f"fact_{name}"


def annotate_facts(queryset, names, ctx: FactContext):
    """Add the named facts to a ``HouseholdYear`` queryset, each as ``fact_<name>``."""
    joins: dict[str, FilteredRelation] = {}
    for name in names:
        if FACTS[name].joins:
            joins.update(FACTS[name].joins(ctx))
    if joins:
        queryset = queryset.annotate(**joins)
    return queryset.annotate(**{fact_alias(name): FACTS[name].build(ctx) for name in names})


class NoIndex(models.Func):
    """``+column`` on SQLite, so the planner does not use an index on it; the bare column elsewhere.

    For queries that read most of a table, where walking an index and fetching each row by its
    id is slower than reading the table in order. Other databases choose for themselves.
    """

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


@contextmanager
def household_facts(names, ctx: FactContext, region: str = "", using: str = "default") -> Iterator[None]:
    """Provide the run's per-household aggregates the named facts read, for the block's queries.

    One ``GROUP BY`` over the members and one over the window's feed signals (only those the
    facts need, only within ``region`` and the part's household id range ``ctx.households``),
    each as the temporary relation of its model (``HouseholdMemberFacts``,
    ``HouseholdSignalFacts``). Each connection has its own temporary relations, so two runs at
    once never see each other's; they are dropped when the block ends.

    * SQLite: temporary tables filled with ``INSERT … SELECT``; joined as a derived table
      instead, its planner would run the aggregate once per screened row.
    * PostgreSQL: temporary views, which the planner folds into the rule query: the members
      are aggregated in household order as the year rows stream past, and nothing is written.
      Filling tables first cost a third of a large run.
    """
    wanted = [FACTS[name].aggregate for name in dict.fromkeys(names) if FACTS[name].aggregate]
    connection = connections[using]
    view = connection.vendor == "postgresql"
    made = []
    with connection.cursor() as cursor:
        try:
            for source, (_, model) in AGGREGATES.items():
                aggregates = {column: build(ctx) for kind, column, build in wanted if kind == source}
                if not aggregates:
                    continue
                table = connection.ops.quote_name(model._meta.db_table)
                select = _aggregate_query(source, aggregates, ctx, region)
                cursor.execute(f"DROP {'VIEW' if view else 'TABLE'} IF EXISTS {table}")
                made.append(table)
                if view:
                    # A view takes no parameters: the values (region, ids, window dates) are bound
                    # into its text by the driver's own quoting, never by string formatting.
                    sql = connection.ops.compose_sql(*select.query.sql_with_params())
                    cursor.execute(f"CREATE TEMPORARY VIEW {table} AS {sql}")
                else:
                    _create_facts_table(cursor, connection, table, model, list(aggregates), select)
            yield
        finally:
            for table in made:
                cursor.execute(f"DROP {'VIEW' if view else 'TABLE'} IF EXISTS {table}")


def _aggregate_query(source: str, aggregates: dict, ctx: FactContext, region: str):
    """``(household_id, aggregates…)`` of the members or of the window's signals, per household."""
    if source == "members":
        rows = Member.objects.all()
    else:
        # Read in household order rather than through the (source, date) index: the
        # GROUP BY then needs no sort (twice as fast on SQLite).
        rows = FeedSignal.objects.filter(GreaterThanOrEqual(NoIndex(F("date")), ctx.window_start),
                                         LessThanOrEqual(NoIndex(F("date")), ctx.window_end))
    if region:
        rows = rows.filter(region_code__startswith=region)
    rows = rows.filter(_in_part("household_id", ctx)).order_by()
    return rows.values("household_id").annotate(**aggregates).values_list("household_id", *aggregates)


def _create_facts_table(cursor, connection, table: str, model, names: list[str], select) -> None:
    """The temporary table of ``model`` (household_id and ``names``), filled by ``select``."""
    q = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in ("household", *names)]
    cursor.execute(
        f"CREATE TEMPORARY TABLE {table} ("
        + ", ".join(f"{q(f.column)} {f.db_type(connection)}" + (" PRIMARY KEY" if f.primary_key else "")
                    for f in fields) + ")"
    )
    sql, params = select.query.sql_with_params()
    cursor.execute(f"INSERT INTO {table} ({', '.join(q(f.column) for f in fields)}) {sql}", params)


def format_value(value: object, name: str = "") -> str:
    """A fact's value in words: yes/no, a number with separators, a change as a percentage."""
    if value is None:
        return gettext("unknown")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | float):
        if name == "income_change":
            return f"{value * 100:+.1f} %"
        if isinstance(value, int) or float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}"
    if value == "":
        return gettext("(empty)")
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value)
    return str(value)
