"""The running procedures of a case (identification 识别纳入, risk elimination 风险消除).

The steps and their order are declared once in ``shouwang.cases.procedure.declarations``; these rows record
one run of a declaration: which steps are open, done or rejected, by whom and by when.
Overdue is derived (open and the due date has passed), as for warnings: no job has to set it.
"""

from __future__ import annotations

import os
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Case as CaseWhen
from django.db.models import Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.cases.casefiles.models import Case, CaseStatus, EliminationMode
from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet, TimeStampedModel


class ProcedureKind(models.TextChoices):
    IDENTIFICATION = "identification", _("Identification")  # 识别纳入
    ELIMINATION = "elimination", _("Risk elimination")  # 风险消除


class ProcedureStatus(models.TextChoices):
    OPEN = "open", _("Under way")
    DONE = "done", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Level(models.TextChoices):
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County")


class StepCode(models.TextChoices):
    VERIFY = "verify", _("Home verification")  # 入户核实
    COMPARE = "compare", _("Information comparison")  # 信息比对
    APPRAISAL = "appraisal", _("Village democratic appraisal")  # 民主评议
    NOTICE = "notice", _("Public notice in the village")  # 公示
    TOWNSHIP = "township", _("Township review")  # 乡级审核
    COUNTY = "county", _("County approval")  # 县级审批
    ANNOUNCE = "announce", _("Result announcement")  # 结果公告
    FILE = "file", _("Entry and filing")  # 录入建档 / 标注


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")
    SKIPPED = "skipped", _("Not needed")


class Procedure(RegionScopedModel):
    """One run of the identification or elimination procedure on a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="procedures", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=ProcedureKind.choices)
    elimination_mode = models.CharField(
        _("elimination mode"), max_length=12, choices=EliminationMode.choices, blank=True,
    )
    started_on = models.DateField(_("started on"))
    due_date = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=10, choices=ProcedureStatus.choices, default=ProcedureStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="procedure_one_open_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"

    def save(self, *args, **kwargs):
        self.region_code = self.case.region_code
        super().save(*args, **kwargs)

    def overdue_on(self, today: date | None = None) -> bool:
        return self.status == ProcedureStatus.OPEN and self.due_date < (today or timezone.localdate())


def step_overdue_condition(today: date) -> Q:
    return Q(status=StepStatus.OPEN, due_date__lt=today)


class StepQuerySet(RegionScopedQuerySet):
    def overdue(self, today: date | None = None) -> StepQuerySet:
        return self.filter(step_overdue_condition(today or timezone.localdate()))

    def with_overdue(self, today: date | None = None) -> StepQuerySet:
        """Annotate ``is_overdue`` (computed by the database) for queues and the API."""
        return self.annotate(is_overdue=CaseWhen(
            When(step_overdue_condition(today or timezone.localdate()), then=Value(True)),
            default=Value(False), output_field=models.BooleanField(),
        ))


class Step(RegionScopedModel):
    """One step of a procedure, at one level, with its own due date.

    ``region_code`` is the case's village, so a township's or county's queue is a prefix filter.
    """

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("procedure")
    )
    code = models.CharField(_("step"), max_length=12, choices=StepCode.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    due_date = models.DateField(_("due by"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("done by"),
    )
    note = models.TextField(_("note"), blank=True)
    # The day the step was done as the user states it, and the day it was entered; a step done
    # earlier than it was entered is a late entry (补录) and carries the reason why.
    done_on = models.DateField(_("done on"), null=True, blank=True)
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    late_reason = models.TextField(_("reason for the late entry"), blank=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["procedure_id", "order", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        indexes = [models.Index(fields=["region_code", "status", "level", "due_date"])]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "code"], name="step_once_per_procedure"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.code} {self.status}"

    def save(self, *args, **kwargs):
        self.region_code = self.procedure.region_code
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        """For one loaded step; querysets annotate the same with ``with_overdue``."""
        annotated = self.__dict__.get("_is_overdue")
        if annotated is not None:
            return annotated
        return self.status == StepStatus.OPEN and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def done_date(self) -> date | None:
        """The day the step was done: as stated, else the day of ``done_at`` (rows from before ``done_on``)."""
        if self.done_on is not None:
            return self.done_on
        return timezone.localdate(self.done_at) if self.done_at else None

    @property
    def is_late_entry(self) -> bool:
        return self.done_on is not None and self.recorded_on is not None and self.done_on < self.recorded_on

    @is_overdue.setter
    def is_overdue(self, value: bool) -> None:
        # ``with_overdue`` assigns the database's answer here.
        self.__dict__["_is_overdue"] = value


class Transition(models.Model):
    """One action on a case: who, at which level, what changed and why. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("case"))
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="transitions",
        verbose_name=_("procedure"),
    )
    step_code = models.CharField(_("step"), max_length=12, choices=StepCode.choices, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=12, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=CaseStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    reason = models.TextField(_("reason or note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["case_id", "at", "id"]
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action} {self.from_status} → {self.to_status}"


class AttachmentKind(models.TextChoices):
    AUTHORISATION = "authorisation", _("Commitment and authorisation")  # 承诺授权书
    MINUTES = "minutes", _("Appraisal minutes")  # 评议记录
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


def attachment_path(instance: Attachment, filename: str) -> str:
    """Under MEDIA_ROOT/cases/<case>/, with a random name: the original name is kept in a column."""
    ext = os.path.splitext(filename)[1].lower()[:10]
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}{ext}"


class Attachment(models.Model):
    """A file kept with a case: the signed authorisation, appraisal minutes, photos."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case"))
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments",
        verbose_name=_("procedure"),
    )
    transition = models.ForeignKey(
        Transition, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments",
        verbose_name=_("transition"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("uploaded by"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["case_id", "at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name or self.file.name


class DayKind(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


class ProcedureSettings(TimeStampedModel):
    """Time limits of the procedures for a region prefix ("" = everywhere; the longest prefix wins).

    Policy differs by place (15 calendar days in Henan, 20 working days in Hainan, policy.md
    §6.1), so these are data the county administrator edits, never constants in code.
    ``step_days`` optionally overrides the days each step gets ({"verify": 3, ...}).
    """

    region_code = models.CharField(_("region code prefix"), max_length=15, blank=True, unique=True)
    total_days = models.PositiveSmallIntegerField(_("days from first clue to identification"), default=15)
    day_kind = models.CharField(_("counted in"), max_length=10, choices=DayKind.choices, default=DayKind.CALENDAR)
    notice_min_days = models.PositiveSmallIntegerField(_("minimum days of a public notice"), default=5)
    elimination_stable_months = models.PositiveSmallIntegerField(
        _("months of stable income before elimination"), default=6,
    )
    step_days = models.JSONField(_("days per step"), default=dict, blank=True)

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("procedure settings")
        verbose_name_plural = _("procedure settings")

    def __str__(self) -> str:
        return self.region_code or "*"

    @classmethod
    def for_region(cls, region_code: str) -> ProcedureSettings:
        """The settings of the longest prefix of ``region_code``; defaults when none is stored."""
        prefixes = [region_code[:n] for n in range(len(region_code), -1, -1)]
        found = {s.region_code: s for s in cls.objects.filter(region_code__in=prefixes)}
        for prefix in prefixes:
            if prefix in found:
                return found[prefix]
        return cls(region_code="")
