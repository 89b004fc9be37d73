"""What a screening run builds for itself: per-household aggregates, and the joins that read them."""

from __future__ import annotations

from django.db import models

from shouwang.registry.models import Household, HouseholdYear


class HouseholdFacts(models.Model):
    """Members and feed signals of one household, aggregated for the run that is screening now.

    Not a stored table: ``shouwang.monitoring.facts.household_facts`` creates it as a temporary
    table of the connection, fills it with two ``INSERT … SELECT … GROUP BY`` and drops it when
    the run ends: the members counted per household, then the window's feed signals upserted onto
    those rows (or new rows for households with signals and no members). The model exists so that the rule query can join it through the ORM
    (``screening_facts__…`` from ``HouseholdYear``, below). Counts are NULL where a household has
    no row.
    """

    household = models.OneToOneField(
        "registry.Household", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    labour_members = models.IntegerField(null=True)
    safety_net_members = models.IntegerField(null=True)
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
        db_table = "monitoring_screening_household_facts"


# ``HouseholdYear.screening_facts``: a join on household_id straight from the screened rows. A
# private field (like a GenericForeignKey): no column, no migration, and the registry's code does
# not know it; monitoring adds it because monitoring is the part that reads it. Joined through
# ``household`` instead, SQLite's planner walked the households and looked each year row up by
# index, four times slower than reading the year rows in order.
models.ForeignObject(
    HouseholdFacts, on_delete=models.DO_NOTHING, from_fields=["household"], to_fields=["household"],
    null=True, related_name="+",
).contribute_to_class(HouseholdYear, "screening_facts", private_only=True)

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

