"""The project library (项目库, 国乡振发〔2021〕3号): village proposes, township reviews, county decides.

A ``Project`` belongs to the village that proposed it (``region_code``, the lead village) and may
cover further villages of the same township (``villages``). Its money is in ``ProjectFund`` (one
row per source: the county's allocation) and ``Disbursement`` (what was paid out, when); the
households it reaches (联农带农) are ``Beneficiary`` rows; every step of its workflow is a
``ProjectStep`` row (who, which level, when, the outcome and the reason). The county's target
share of linkage funds for industry is ``ProjectSettings``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel, TimeStampedModel

__all__ = [
    "Goal", "ProjectCategory", "ProjectStatus", "FundSource", "BenefitKind", "StepOutcome", "Project",
    "ProjectFund", "Disbursement", "Beneficiary", "ProjectStep", "ProjectSettings", "LINKAGE_SOURCES",
]


class Goal(models.TextChoices):
    """The five goals of rural revitalization (二十字总要求)."""

    INDUSTRY = "industry", _("Thriving industry")  # 产业兴旺
    ECOLOGY = "ecology", _("Liveable environment")  # 生态宜居
    CIVILITY = "civility", _("Civilised customs")  # 乡风文明
    GOVERNANCE = "governance", _("Effective governance")  # 治理有效
    PROSPERITY = "prosperity", _("Prosperity")  # 生活富裕


class ProjectCategory(models.TextChoices):
    """Project categories of the library (policy.md §9: its focus areas)."""

    INDUSTRY = "industry", _("Industry development")  # 产业发展
    EMPLOYMENT = "employment", _("Employment")  # 就业
    CONSTRUCTION = "construction", _("Rural construction")  # 乡村建设
    RELOCATION = "relocation", _("Follow-up support for relocated households")  # 易地搬迁后续扶持
    MONITORING = "monitoring", _("Anti-return monitoring and assistance")  # 防止返贫监测帮扶
    OTHER = "other", _("Other")  # 其他


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the village")  # 村申报, awaiting the township
    REVIEWED = "reviewed", _("Reviewed by the township")  # 乡审核, awaiting the county
    APPROVED = "approved", _("In the library")  # 县审定, 入库
    REJECTED = "rejected", _("Rejected")
    ROLLED_OVER = "rolled_over", _("Rolled over to the next year")  # 未安排资金, 转入下年度项目库


class FundSource(models.TextChoices):
    CENTRAL = "central", _("Central linkage funds")  # 中央衔接资金
    PROVINCIAL = "provincial", _("Provincial linkage funds")  # 省级衔接资金
    COUNTY = "county", _("County linkage funds")  # 县级衔接资金
    INTEGRATED = "integrated", _("Integrated agriculture funds")  # 统筹整合涉农资金
    OTHER = "other", _("Other funds")  # 其他资金


# The linkage funds (衔接推进乡村振兴补助资金) whose industry share the county answers for.
LINKAGE_SOURCES = (FundSource.CENTRAL, FundSource.PROVINCIAL, FundSource.COUNTY)


class BenefitKind(models.TextChoices):
    """How a project benefits a household (联农带农方式)."""

    JOBS = "jobs", _("Jobs")  # 务工就业
    DIVIDEND = "dividend", _("Dividends")  # 入股分红
    LAND_RENT = "land_rent", _("Land rent")  # 土地流转租金
    PURCHASE = "purchase", _("Purchase orders")  # 订单收购
    SERVICE = "service", _("Services")  # 生产服务、技术服务


class StepOutcome(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    PASSED = "passed", _("Passed")
    REJECTED = "rejected", _("Rejected")
    ROLLED_OVER = "rolled_over", _("Rolled over")
    IMPORTED = "imported", _("Imported")


class Project(RegionScopedModel):
    """One project of a year's library; ``region_code`` is the lead (proposing) village."""

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    name = models.CharField(_("project name"), max_length=200)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("lead village"),
    )
    villages = models.ManyToManyField("regions.Region", related_name="+", blank=True, verbose_name=_("villages"))
    goal = models.CharField(_("goal"), max_length=12, choices=Goal.choices)
    category = models.CharField(_("project category"), max_length=12, choices=ProjectCategory.choices)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0"))
    description = models.TextField(_("what it builds or does"), blank=True)
    linkage = models.TextField(_("how it links to households"), blank=True)  # 联农带农机制
    status = models.CharField(_("status"), max_length=12, choices=ProjectStatus.choices,
                              default=ProjectStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("proposed by"),
    )
    rolled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rolled_to",
        verbose_name=_("rolled over from"),
    )

    class Meta:
        ordering = ["-year", "region_code", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [models.Index(fields=["year", "region_code", "status"])]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def save(self, *args, **kwargs):
        self.region_code = self.village_id
        super().save(*args, **kwargs)


class ProjectFund(RegionScopedModel):
    """The amount a project has from one source (the county's allocation)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funds", verbose_name=_("project"))
    source = models.CharField(_("fund source"), max_length=12, choices=FundSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["project_id", "source"]
        verbose_name = _("project fund")
        verbose_name_plural = _("project funds")
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="projectfund_once_per_source"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="projectfund_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.source} {self.amount}"

    def save(self, *args, **kwargs):
        self.region_code = self.project.region_code
        super().save(*args, **kwargs)


class Disbursement(RegionScopedModel):
    """Money paid out for a project (拨付): the date, the amount and a note."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="disbursements", verbose_name=_("project"),
    )
    paid_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["project_id", "paid_on", "id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="disbursement_amount_positive")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.paid_on} {self.amount}"

    def save(self, *args, **kwargs):
        self.region_code = self.project.region_code
        super().save(*args, **kwargs)


class Beneficiary(RegionScopedModel):
    """A household a project reaches, how, and the amount it brings the household (元/户).

    ``region_code`` is the household's village: a household reached by a project of another
    village is still seen by its own village."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="beneficiaries", verbose_name=_("project"),
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household"),
    )
    kind = models.CharField(_("how it benefits"), max_length=12, choices=BenefitKind.choices)
    amount = models.DecimalField(_("amount per household (yuan)"), max_digits=12, decimal_places=2,
                                 default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["project_id", "household_id", "kind"]
        verbose_name = _("beneficiary household")
        verbose_name_plural = _("beneficiary households")
        constraints = [
            models.UniqueConstraint(fields=["project", "household", "kind"], name="beneficiary_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.household_id} {self.kind}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)


class ProjectStep(RegionScopedModel):
    """One step of a project's workflow as it happened: which step, at which level, by whom, the
    outcome and the reason."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps", verbose_name=_("project"))
    step = models.CharField(_("step"), max_length=12)
    level = models.CharField(_("level"), max_length=10)
    outcome = models.CharField(_("outcome"), max_length=12, choices=StepOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("by"),
    )
    acted_region = models.CharField(_("by region"), max_length=15, blank=True)

    class Meta:
        ordering = ["project_id", "created_at", "id"]
        verbose_name = _("project step")
        verbose_name_plural = _("project steps")

    def __str__(self) -> str:
        return f"{self.project_id} {self.step} {self.outcome}"

    def save(self, *args, **kwargs):
        self.region_code = self.project.region_code
        super().save(*args, **kwargs)


class ProjectSettings(TimeStampedModel):
    """A county's project-library settings: the target share of linkage funds for industry."""

    region_code = models.CharField(_("county"), max_length=15, unique=True)
    industry_share_target = models.DecimalField(
        _("target share of linkage funds for industry (%)"), max_digits=5, decimal_places=2,
        default=Decimal("60"), validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    region_field = "region_code"

    class Meta:
        verbose_name = _("project library settings")
        verbose_name_plural = _("project library settings")

    def __str__(self) -> str:
        return f"{self.region_code} {self.industry_share_target}%"
