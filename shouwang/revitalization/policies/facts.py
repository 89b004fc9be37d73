"""The facts a policy's eligibility may name: screening's household-year facts and more.

Two registries of ``monitoring.rules.facts.Fact`` (the compiler, the validation and the wording
take either):

* ``HOUSEHOLD_FACTS``: every fact of screening (``FACTS``) plus the household's own facts policies
  need: relocation, household type, 低保/特困 anywhere in the household, disabled members, pupils;
* ``PERSON_FACTS``: those and the member's own facts (age in the policy year, disability grade,
  schooling stage, labour capacity, 低保/特困, health …), for a policy whose subject is a person.

Every fact is an expression over the year's ``HouseholdYear`` rows. Screening reads its member and
signal aggregates from temporary relations made for one run; a policy's eligibility is a lazy
queryset that others count, group and join later, so here those aggregates are correlated
subqueries of the same aggregate instead, and the queryset stands alone. A person policy joins the
household's members (``HouseholdYear.policy_member``, one row per member); the member facts read
that join.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from shouwang.monitoring.feeds.models import FeedSignal
from shouwang.monitoring.rules.facts import FACTS, FLAG, NUMBER, TEXT, Fact, FactContext, fact_alias, money_field
from shouwang.monitoring.rules.wording import MONEY
from shouwang.registry.models import Health, HouseholdType, Labour, Member, Schooling, Sex

HOUSEHOLD, PERSON = "household", "person"
MEMBER = "policy_member"  # HouseholdYear → the household's members (models.py)


class _Positive(models.Func):
    """``(COALESCE(x, 0) > 0)``, parenthesised (PostgreSQL refuses ``a > 0 = true`` unbracketed)."""

    template = "(COALESCE(%(expressions)s, 0) > 0)"
    output_field = models.BooleanField()


def _standalone(fact: Fact) -> Fact:
    """A screening fact read from the run's aggregates, as a correlated subquery of that aggregate."""
    assert fact.aggregate is not None
    source, _column, build = fact.aggregate

    def subquery(ctx: FactContext):
        rows = Member.objects.all() if source == "members" else FeedSignal.objects.all()
        value = Subquery(
            rows.filter(household_id=OuterRef("household_id")).order_by().values("household_id")
            .annotate(value=build(ctx)).values("value")[:1]
        )
        if fact.type == FLAG:
            return _Positive(value)
        if fact.name in MONEY:
            return Coalesce(value, Value(Decimal("0")), output_field=money_field())
        return Coalesce(value, Value(0), output_field=models.IntegerField())

    return dataclasses.replace(fact, build=subquery, aggregate=None)


def _members_where(condition: Q):
    return Member.objects.filter(condition, household_id=OuterRef("household_id"))


def _any_member(condition: Q):
    return lambda ctx: Exists(_members_where(condition))


def _count_members(condition: Q):
    return lambda ctx: Coalesce(
        Subquery(_members_where(condition).order_by().values("household_id")
                 .annotate(n=Count("pk")).values("n")[:1]),
        Value(0), output_field=models.IntegerField(),
    )


def _wrap(path: str, field: models.Field):
    return lambda ctx: ExpressionWrapper(F(path), output_field=field)


def _member_flag(condition: Q):
    """A member condition as a flag (false, not unknown, where the member's field is empty)."""
    return lambda ctx: ExpressionWrapper(
        Q(**{f"{MEMBER}__id__isnull": False}) & _prefixed(condition), output_field=models.BooleanField(),
    )


def _prefixed(condition: Q) -> Q:
    """``condition`` over Member fields, rewritten for the member join."""
    children: list[Any] = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(_prefixed(child))
        else:
            key, value = child  # type: ignore[misc]
            children.append((f"{MEMBER}__{key}", value))
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


def _age(ctx: FactContext):
    return ExpressionWrapper(Value(ctx.year) - F(f"{MEMBER}__birth_year"), output_field=models.IntegerField())


DISABLED = Q(disability_grade__isnull=False) | Q(health=Health.DISABLED)
IN_SCHOOL = ~Q(schooling__in=(Schooling.NONE, ""))

_HOUSEHOLD_EXTRA = [
    Fact("relocated", FLAG, _("The household lives in a relocation settlement (易地扶贫搬迁)."),
         _wrap("household__relocated", models.BooleanField()),
         label=_("the household was relocated"), negated=_("the household was not relocated")),
    Fact("household_type", TEXT, _("Household type: \"ex_poor\" (脱贫户) or \"ordinary\" (一般农户)."),
         _wrap("household__household_type", models.CharField()), values=tuple(HouseholdType.values),
         label=_("household type")),
    Fact("dibao_household", FLAG, _("A member of the household receives the minimum living allowance (低保)."),
         _any_member(Q(dibao=True)), label=_("a member receives the minimum living allowance"),
         negated=_("no member receives the minimum living allowance")),
    Fact("tekun_household", FLAG, _("A member of the household receives extreme-poverty support (特困供养)."),
         _any_member(Q(tekun=True)), label=_("a member receives extreme-poverty support"),
         negated=_("no member receives extreme-poverty support")),
    Fact("disabled_members", NUMBER,
         _("Members with a disability (a disability grade, or health recorded as disabled)."),
         _count_members(DISABLED), label=_("disabled members")),
    Fact("students", NUMBER, _("Members in school (any stage from pre-school to university)."),
         _count_members(IN_SCHOOL), label=_("members in school")),
    Fact("uninsured_members", NUMBER, _("Members without basic medical insurance."),
         _count_members(Q(medical_insured=False)), label=_("members without basic medical insurance")),
]

_MEMBER_FACTS = [
    Fact("age", NUMBER, _("The member's age in the policy year (the year minus the birth year); unknown without a "
                          "birth year."), _age, label=_("age")),
    Fact("sex", TEXT, _("The member's sex: \"M\" or \"F\"."), _wrap(f"{MEMBER}__sex", models.CharField()),
         values=tuple(Sex.values), label=_("sex")),
    Fact("disability_grade", NUMBER, _("The member's disability grade, 1 (most severe) to 4; unknown without a "
                                       "disability certificate."),
         _wrap(f"{MEMBER}__disability_grade", models.IntegerField()), label=_("disability grade")),
    Fact("disabled", FLAG, _("The member has a disability (a grade, or health recorded as disabled)."),
         _member_flag(DISABLED), label=_("the member is disabled"), negated=_("the member is not disabled")),
    Fact("schooling", TEXT, _("The member's schooling stage."), _wrap(f"{MEMBER}__schooling", models.CharField()),
         values=tuple(Schooling.values), label=_("schooling stage")),
    Fact("in_school", FLAG, _("The member is in school (any stage)."), _member_flag(IN_SCHOOL),
         label=_("the member is in school"), negated=_("the member is not in school")),
    Fact("labour", TEXT, _("The member's labour capacity."), _wrap(f"{MEMBER}__labour", models.CharField()),
         values=tuple(Labour.values), label=_("labour capacity")),
    Fact("able_to_work", FLAG, _("The member has labour capacity (skilled, ordinary, weak or partial)."),
         _member_flag(Q(labour__in=Labour.able())), label=_("the member can work"),
         negated=_("the member cannot work")),
    Fact("health", TEXT, _("The member's health."), _wrap(f"{MEMBER}__health", models.CharField()),
         values=tuple(Health.values), label=_("health")),
    Fact("dibao", FLAG, _("The member receives the minimum living allowance (低保)."),
         _member_flag(Q(dibao=True)), label=_("the member receives the minimum living allowance"),
         negated=_("the member does not receive the minimum living allowance")),
    Fact("tekun", FLAG, _("The member receives extreme-poverty support (特困供养)."),
         _member_flag(Q(tekun=True)), label=_("the member receives extreme-poverty support"),
         negated=_("the member does not receive extreme-poverty support")),
    Fact("medical_insured", FLAG, _("The member has basic medical insurance."),
         _member_flag(Q(medical_insured=True)), label=_("the member has basic medical insurance"),
         negated=_("the member has no basic medical insurance")),
    Fact("pension_insured", FLAG, _("The member has basic pension insurance."),
         _member_flag(Q(pension_insured=True)), label=_("the member has basic pension insurance"),
         negated=_("the member has no basic pension insurance")),
    Fact("work_months", NUMBER, _("Months the member worked in the year; unknown when not recorded."),
         _wrap(f"{MEMBER}__work_months", models.IntegerField()), label=_("months of work")),
    Fact("head", FLAG, _("The member is the head of the household."),
         _member_flag(Q(relation="head")), label=_("the member is the head of the household"),
         negated=_("the member is not the head of the household")),
]

HOUSEHOLD_FACTS: dict[str, Fact] = {
    **{name: _standalone(f) if f.aggregate else f for name, f in FACTS.items()},
    **{f.name: f for f in _HOUSEHOLD_EXTRA},
}
PERSON_FACTS: dict[str, Fact] = {**HOUSEHOLD_FACTS, **{f.name: f for f in _MEMBER_FACTS}}
MEMBER_FACT_NAMES = frozenset(f.name for f in _MEMBER_FACTS)


def registry(subject: str) -> dict[str, Fact]:
    """The facts a policy of ``subject`` may name."""
    return PERSON_FACTS if subject == PERSON else HOUSEHOLD_FACTS


def annotate_facts(queryset, names, ctx: FactContext, facts: dict[str, Fact]):
    """Add the named facts to a ``HouseholdYear`` queryset, each as ``fact_<name>`` (like screening's)."""
    joins: dict[str, Any] = {}
    for name in names:
        join = facts[name].joins
        if join is not None:
            joins.update(join(ctx))
    if joins:
        queryset = queryset.annotate(**joins)
    return queryset.annotate(**{fact_alias(name): facts[name].build(ctx) for name in names})
