"""Field work: cadre visits (基层干部排查) and screening campaigns (集中排查) with their visit tasks.

Free text that may describe an illness (a visit's note) is encrypted: health details are personal
information of the sensitive kind (DESIGN.md §5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.fields import EncryptedTextField
from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet, TimeStampedModel

# What a visit checks: the two no-worries, three guarantees and water (两不愁三保障和饮水安全, policy.md §7).
GUARANTEES = ("food", "clothing", "education", "medical", "housing", "water")
# Events since the last visit that may bring a household back into poverty.
EVENTS = ("illness", "accident", "job_loss", "disaster")


class Visit(RegionScopedModel):
    """A cadre's visit to a household: what they found, and the warning it raised, if any."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("household"),
    )
    visited_on = models.DateField(_("visited on"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        verbose_name=_("visitor"),
    )
    food_secured = models.BooleanField(_("enough to eat"), default=True)
    clothing_secured = models.BooleanField(_("enough to wear"), default=True)
    education_secured = models.BooleanField(_("compulsory education secured"), default=True)
    medical_secured = models.BooleanField(_("basic medical care secured"), default=True)
    housing_secured = models.BooleanField(_("housing safe"), default=True)
    water_secured = models.BooleanField(_("drinking water secured"), default=True)
    income_estimate = models.DecimalField(
        _("estimated per-capita net income this year (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    illness = models.BooleanField(_("serious illness"), default=False)
    accident = models.BooleanField(_("accident"), default=False)
    job_loss = models.BooleanField(_("job loss"), default=False)
    disaster = models.BooleanField(_("natural disaster"), default=False)
    at_risk = models.BooleanField(_("the visitor judges the household at risk"), default=False)
    note = EncryptedTextField(_("note"), blank=True)
    findings = models.JSONField(_("findings"), default=list, blank=True, editable=False)
    line_amount = models.DecimalField(
        _("monitoring line at the visit"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    warning = models.ForeignKey(
        "monitoring.Warning",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        verbose_name=_("warning"),
    )

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["region_code", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CampaignQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "monitoring.view_campaign"):
        """Campaigns over the user's region, a part of it, or a region that contains it.

        A county campaign concerns every village in the county, so a village cadre sees it too
        (their own tasks and progress are scoped separately, through ``CampaignTask``).
        The default action, ``monitoring.view_campaign``, has the ``ON_PATH`` scope.
        """
        from shouwang.core.permissions import restrict

        return restrict(user, self, action)


class Campaign(TimeStampedModel):
    """A concentrated screening (集中排查): every household of a region is to be visited in a period."""

    name = models.CharField(_("name"), max_length=200)
    basis = models.CharField(_("basis (document number)"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    region_code = models.CharField(_("region code"), max_length=15, db_index=True, editable=False)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("launched by"),
    )
    task_count = models.PositiveIntegerField(_("households"), default=0, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("screening campaign")
        verbose_name_plural = _("screening campaigns")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region_id
        super().save(*args, **kwargs)


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("To visit")
    DONE = "done", _("Visited")


class CampaignTask(RegionScopedModel):
    """One household to visit in a campaign; done when a visit in the campaign's period is recorded."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("campaign")
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.CASCADE,
        related_name="campaign_tasks",
        verbose_name=_("household"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", verbose_name=_("visit")
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign_id", "region_code", "household_id"]
        verbose_name = _("visit task")
        verbose_name_plural = _("visit tasks")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="campaigntask_one_per_household"),
        ]
        indexes = [
            models.Index(fields=["campaign", "region_code", "status"]),
            models.Index(fields=["household", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.household_id} {self.status}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)
