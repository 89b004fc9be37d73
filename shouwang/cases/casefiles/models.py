"""A case: a household under monitoring (监测对象), from the first clue to risk elimination.

One case per household at a time (a partial unique constraint over the open statuses). The
case is never deleted: rejection, elimination, rollback and re-identification are statuses
and transitions on the same row, so its history stays in one place (policy.md §6.2).
"""

from __future__ import annotations

from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet
from shouwang.registry.models import LayerKind

# A case names one to five risk types (top-level ones; a disaster's kinds come with it).
MAX_RISK_TYPES = 5


class Category(models.TextChoices):
    UNSTABLE_EX_POOR = "unstable_ex_poor", _("Unstable ex-poor household")  # 脱贫不稳定户
    EDGE = "edge", _("Edge household at risk of poverty")  # 边缘易致贫户
    SUDDEN = "sudden", _("Household in sudden severe difficulty")  # 突发严重困难户


class CaseSource(models.TextChoices):
    WARNING = "warning", _("Department screening warning")
    SELF_REPORT = "self_report", _("Household self-report")
    VISIT = "visit", _("Cadre visit")
    DIRECT = "direct", _("Entered directly")
    NATIONAL = "national", _("Taken over from the national system")


class CaseStatus(models.TextChoices):
    IDENTIFYING = "identifying", _("Being identified")
    MONITORED = "monitored", _("Risk not eliminated")  # 风险未消除
    ELIMINATING = "eliminating", _("Risk elimination in progress")
    ELIMINATED = "eliminated", _("Risk eliminated")  # 风险已消除
    REJECTED = "rejected", _("Not included")

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Statuses of a case still under way; a household has at most one such case."""
        return (cls.IDENTIFYING, cls.MONITORED, cls.ELIMINATING)


class EliminationMode(models.TextChoices):
    ASSISTANCE = "assistance", _("Eliminated through assistance")  # 帮扶消除
    NATURAL = "natural", _("Risk disappeared naturally")  # 自然消除


class CaseQuerySet(RegionScopedQuerySet):
    def open(self) -> CaseQuerySet:
        return self.filter(status__in=CaseStatus.open())

    def with_overdue(self, today: date | None = None) -> CaseQuerySet:
        """Annotate ``is_overdue``: an open procedure of the case is past its due date."""
        # Looked up, not imported: the procedure package sits above this one (docs/architecture.md).
        procedure = apps.get_model("cases", "Procedure")
        today = today or timezone.localdate()
        late = procedure.objects.filter(case=OuterRef("pk"), status="open", due_date__lt=today)  # ProcedureStatus.OPEN
        return self.annotate(is_overdue=Exists(late))

    def overdue(self, today: date | None = None) -> CaseQuerySet:
        return self.with_overdue(today).filter(is_overdue=True)


class Case(RegionScopedModel):
    """A monitored household's case: category, risks, status and the dates of its milestones.

    ``status`` is changed only by the procedure engine (``shouwang.cases.procedure``); each change leaves a
    ``Transition`` row and a change-log entry.
    """

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="cases", verbose_name=_("household"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    risk_types = models.ManyToManyField("cases.RiskType", related_name="cases", verbose_name=_("risk types"))
    disaster_note = models.CharField(_("disaster note"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=CaseSource.choices, default=CaseSource.DIRECT)
    warning = models.ForeignKey(
        "monitoring.Warning", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
        verbose_name=_("warning"),
    )
    self_report = models.ForeignKey(
        "monitoring.SelfReport", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
        verbose_name=_("self-report"),
    )
    visit = models.ForeignKey(
        "monitoring.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases",
        verbose_name=_("visit"),
    )
    first_clue_date = models.DateField(_("first clue found on"))
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.IDENTIFYING)
    identified_on = models.DateField(_("identified on"), null=True, blank=True)
    eliminated_on = models.DateField(_("risk eliminated on"), null=True, blank=True)
    elimination_mode = models.CharField(
        _("elimination mode"), max_length=12, choices=EliminationMode.choices, blank=True,
    )
    green_channel = models.BooleanField(_("disaster green channel"), default=False)
    no_labour_safety_net = models.BooleanField(
        _("no labour capacity, under safety-net protection"), default=False,
    )
    # Joint identification (2026 No.1 Document §(八)): the household is identified both as a monitored
    # household and as a social-assistance object (社会救助对象) in this civil-affairs layer, on this date.
    assistance_layer = models.CharField(
        _("social-assistance layer (joint identification)"), max_length=20, choices=LayerKind.choices, blank=True,
    )
    assistance_identified_on = models.DateField(_("jointly identified on"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("opened by"),
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["region_code", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status__in=["identifying", "monitored", "eliminating"]),
                name="case_one_open_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_status_display()}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)

    def has_disaster_risk(self) -> bool:
        # ``.all()`` so that a prefetch (``engine.cases_with_steps``) answers without a query.
        return any(rt.is_disaster for rt in self.risk_types.all())
