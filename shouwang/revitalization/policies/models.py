"""The county's policy catalogue: each policy with its benefit, its period and its eligibility as a rule.

A policy belongs to one county (``region_code`` is the county's code): the county's officers keep
its catalogue, and every user in the county reads it. Change one through ``services.save_policy``,
which checks the eligibility rule and keeps a ``PolicyVersion`` per change, as screening rules do.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel
from shouwang.registry.models import HouseholdYear, Member


class Continuity(models.TextChoices):
    """What the county does with the policy after the transition period (保留 / 调整 / 新增)."""

    KEPT = "kept", _("Kept")
    ADJUSTED = "adjusted", _("Adjusted")
    NEW = "new", _("New")


class Kind(models.TextChoices):
    """普惠 / 临时 / 激励."""

    UNIVERSAL = "universal", _("Universal")
    TEMPORARY = "temporary", _("Temporary")
    INCENTIVE = "incentive", _("Incentive")


class Subject(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    PERSON = "person", _("Person")


class PolicyQuerySet(models.QuerySet):
    def in_force(self, year: int) -> PolicyQuerySet:
        """Policies whose period touches ``year`` (an open start or end counts as unbounded)."""
        return self.filter(
            models.Q(start_date__isnull=True) | models.Q(start_date__lte=date(year, 12, 31)),
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=date(year, 1, 1)),
        )


class Policy(TimeStampedModel):
    """One policy of a county's catalogue."""

    region_code = models.CharField(_("county"), max_length=15, db_index=True)
    code = models.CharField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=100)
    legal_basis = models.CharField(_("legal basis (document number)"), max_length=300, blank=True)
    continuity = models.CharField(_("continuity"), max_length=10, choices=Continuity.choices,
                                  default=Continuity.KEPT)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.UNIVERSAL)
    start_date = models.DateField(_("in force from"), null=True, blank=True)
    end_date = models.DateField(_("in force until"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=10, choices=Subject.choices, default=Subject.HOUSEHOLD)
    amount = models.DecimalField(
        _("amount per subject per year (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("Per person for a person policy, per household for a household policy; empty where the benefit "
                    "is not money."),
    )
    amount_verified = models.BooleanField(
        _("amount verified"), default=False,
        help_text=_("Checked against the county's current document; unverified amounts are estimates to be edited."),
    )
    benefit_form = models.CharField(_("benefit (in words)"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True,
                              help_text=_("The document or web page the entry comes from."))
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    measure_type = models.ForeignKey(
        "cases.MeasureType", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("counts as assistance measure"),
    )
    expression = models.TextField(_("eligibility"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    objects = PolicyQuerySet.as_manager()
    region_field = "region_code"

    class Meta:
        ordering = ["region_code", "code"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [models.UniqueConstraint(fields=["region_code", "code"], name="policy_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless the page is in English)."""
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name_zh

    def in_force(self, year: int) -> bool:
        return ((self.start_date is None or self.start_date <= date(year, 12, 31))
                and (self.end_date is None or self.end_date >= date(year, 1, 1)))


class PolicyVersion(models.Model):
    """A copy of a policy as it was saved (``data``: every field), numbered like rule versions."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions", verbose_name=_("policy"))
    version = models.PositiveIntegerField(_("version"))
    code = models.CharField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    expression = models.TextField(_("eligibility"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    amount = models.DecimalField(_("amount per subject per year (yuan)"), max_digits=12, decimal_places=2,
                                 null=True, blank=True)
    amount_verified = models.BooleanField(_("amount verified"), default=False)
    active = models.BooleanField(_("active"))
    data = models.JSONField(_("all fields"), default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["policy_id", "-version"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [models.UniqueConstraint(fields=["policy", "version"], name="policyversion_unique_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def region_code(self) -> str:
        return self.policy.region_code


# ``HouseholdYear.policy_member``: the household's members joined on household_id, one row per member,
# for the member facts of a person policy (facts.py). A private field like monitoring's joins: no column,
# no migration; the registry does not know it.
models.ForeignObject(
    Member, on_delete=models.DO_NOTHING, from_fields=["household"], to_fields=["household"],
    null=True, related_name="+",
).contribute_to_class(HouseholdYear, "policy_member", private_only=True)
