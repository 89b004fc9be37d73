"""What a screening run builds for itself: per-household aggregates, and the joins that read them."""

from __future__ import annotations

from django.db import models

from shouwang.registry.models import Household, HouseholdYear


class HouseholdMemberFacts(models.Model):
    """A household's members, aggregated for the run that is screening now.

    Not a stored table: ``shouwang.monitoring.rules.facts.household_facts`` creates it for the run's
    connection (SQLite: a temporary table filled with ``INSERT … SELECT … GROUP BY``;
    PostgreSQL: a temporary view of that ``GROUP BY``) and drops it when the run ends. The model
    exists so that the rule query can join it through the ORM (``screening_member_facts__…`` from
    ``HouseholdYear``, below). Counts are NULL where a household has no members.
    """

    household = models.OneToOneField(
        "registry.Household", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    labour_members = models.IntegerField(null=True)
    safety_net_members = models.IntegerField(null=True)

    class Meta:
        managed = False
        db_table = "monitoring_screening_member_facts"


class HouseholdSignalFacts(models.Model):
    """A household's feed signals in the screening window, aggregated like ``HouseholdMemberFacts``."""

    household = models.OneToOneField(
        "registry.Household", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    medical_out_of_pocket = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    disaster_loss_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    new_dibao_tekun = models.IntegerField(null=True)
    new_severe_disability = models.IntegerField(null=True)
    disaster_loss = models.IntegerField(null=True)
    unemployment = models.IntegerField(null=True)
    temporary_assistance = models.IntegerField(null=True)
    dropout_reported = models.IntegerField(null=True)
    dangerous_housing_reported = models.IntegerField(null=True)
    water_problem_reported = models.IntegerField(null=True)

    class Meta:
        managed = False
        db_table = "monitoring_screening_signal_facts"


# ``HouseholdYear.screening_member_facts`` and ``screening_signal_facts``: joins on household_id
# straight from the screened rows. Private fields (like a GenericForeignKey): no column, no
# migration, and the registry's code does not know them; monitoring adds them because monitoring
# is the part that reads them. Joined through ``household`` instead, SQLite's planner walked the
# households and looked each year row up by index, four times slower than reading the year rows
# in order. Two relations rather than one: each joins on its own, and a household with signals
# and no members (or the reverse) needs no outer join between them.
for _name, _model in (("screening_member_facts", HouseholdMemberFacts),
                      ("screening_signal_facts", HouseholdSignalFacts)):
    models.ForeignObject(
        _model, on_delete=models.DO_NOTHING, from_fields=["household"], to_fields=["household"],
        null=True, related_name="+",
    ).contribute_to_class(HouseholdYear, _name, private_only=True)

# ``HouseholdYear.household_years``: the same household's rows of every year, joined on
# household_id (the screening query narrows it to the previous year with a FilteredRelation),
# for the same reason.
models.ForeignObject(
    HouseholdYear, on_delete=models.DO_NOTHING, from_fields=["household"], to_fields=["household"],
    null=True, related_name="+",
).contribute_to_class(HouseholdYear, "household_years", private_only=True)

# ``HouseholdYear.household_row``: the household itself as a LEFT JOIN (the ``household`` foreign
# key joins INNER, and SQLite then drives the query from the households table, as above).
models.ForeignObject(
    Household, on_delete=models.DO_NOTHING, from_fields=["household"], to_fields=["id"],
    null=True, related_name="+",
).contribute_to_class(HouseholdYear, "household_row", private_only=True)

