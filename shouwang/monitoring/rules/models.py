"""Screening rules as data (a boolean expression over household-year facts, with parameters), and
the per-household aggregates the facts are read from while screening runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel
from shouwang.registry.models import Household, HouseholdYear


class RiskType(models.TextChoices):
    """Risk types of policy.md §4.1 (proposed codes, not official)."""

    YB = "YB", _("Illness")
    YX = "YX", _("Schooling costs")
    YC = "YC", _("Disability")
    YZRZH = "YZRZH", _("Natural disaster")
    YYWSG = "YYWSG", _("Accident")
    YCYXMSB = "YCYXMSB", _("Failure of a farming or business project")
    YWGJYBW = "YWGJYBW", _("Unstable employment")
    QLDL = "QLDL", _("Lack of labour")
    QT = "QT", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Rule(TimeStampedModel):
    """One screening rule. Edit it through ``services.save_rule``, which validates and versions it."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    risk_type = models.CharField(_("suggested risk type"), max_length=10, choices=RiskType.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    expression = models.TextField(_("expression"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    # Not a column: a rule holds for the whole deployment, so for permissions its region is the
    # country's code "", on the path to every region (``monitoring.view_rule`` is ``ON_PATH``).
    region_code = ""

    class Meta:
        ordering = ["code"]
        verbose_name = _("screening rule")
        verbose_name_plural = _("screening rules")

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless the page is in English)."""
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name_zh


class RuleVersion(models.Model):
    """A copy of a rule as it was saved: warnings cite the version that raised them."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions", verbose_name=_("rule"))
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    risk_type = models.CharField(_("suggested risk type"), max_length=10, blank=True)
    severity = models.CharField(_("severity"), max_length=10)
    expression = models.TextField(_("expression"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    active = models.BooleanField(_("active"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["rule_id", "-version"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="ruleversion_unique_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class IdentificationStandard(TimeStampedModel):
    """A county's identification standard for a year (认定标准, 2026 No.1 Document §(八)): the
    screening rules that count as that year's standard in the county, beyond the income line.

    Screening a year for which a county has a standard runs, in that county, exactly these rules
    (active or not: the standard decides); counties without one, and years without one, run
    the active rules as before (``rules.standards``).
    """

    region_code = models.CharField(_("county code"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    rules = models.ManyToManyField(Rule, related_name="standards", verbose_name=_("rules"))
    note = models.TextField(_("basis and extra conditions"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["region_code", "-year"]
        verbose_name = _("identification standard")
        verbose_name_plural = _("identification standards")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="identificationstandard_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


# --- the per-household aggregates of a screening run ---------------------------------------------


class HouseholdMemberFacts(models.Model):
    """A household's members, aggregated for the run that is screening now.

    Not a stored table: ``facts.household_facts`` creates it for the run's
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

    def __str__(self) -> str:
        return str(self.household_id)


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

    def __str__(self) -> str:
        return str(self.household_id)


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

