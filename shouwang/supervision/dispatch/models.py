"""Dispatch (指挥调度): a task or notice sent down to regions, and each recipient's answer.

The county (or a township, to its own villages) issues a ``DispatchTask`` with a deadline; one
``DispatchRecipient`` row per receiving region records acknowledgement and completion.
Recipients are region-scoped by the receiving region's code, so ``restrict`` gives a township
officer the rows of their township and its villages; the issuer side is scoped by the
issuing region's code (``DispatchTask.region_code``).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet

__all__ = [
    "DispatchKind", "DispatchTask", "DispatchRecipient", "RecipientStatus", "recipient_overdue_condition",
]


class DispatchKind(models.TextChoices):
    TASK = "task", _("Task")  # 任务: to be done and reported
    NOTICE = "notice", _("Notice")  # 通知: to be read and acknowledged


class DispatchTask(RegionScopedModel):
    """What was sent, by whom, from which region, by when. ``region_code`` is the issuing region."""

    kind = models.CharField(_("kind"), max_length=10, choices=DispatchKind.choices, default=DispatchKind.TASK)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what is asked"), blank=True)
    issuer_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by (region)"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("issued by"),
    )
    deadline = models.DateField(_("deadline"))
    attachment = models.FileField(_("attachment"), upload_to="dispatch/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispatch task")
        verbose_name_plural = _("dispatch tasks")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.region_code = self.issuer_region_id
        super().save(*args, **kwargs)


class RecipientStatus(models.TextChoices):
    PENDING = "pending", _("Not yet acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DONE = "done", _("Completed")


def recipient_overdue_condition(today: date) -> Q:
    """Not completed and the deadline has passed (a notice only needs acknowledging)."""
    return (
        (Q(task__kind=DispatchKind.TASK) & ~Q(status=RecipientStatus.DONE))
        | (Q(task__kind=DispatchKind.NOTICE) & Q(status=RecipientStatus.PENDING))
    ) & Q(task__deadline__lt=today) & Q(task__closed_at__isnull=True)


class RecipientQuerySet(RegionScopedQuerySet):
    def with_overdue(self, today: date | None = None) -> RecipientQuerySet:
        return self.annotate(is_overdue=Case(
            When(recipient_overdue_condition(today or timezone.localdate()), then=Value(True)),
            default=Value(False), output_field=models.BooleanField(),
        ))

    def overdue(self, today: date | None = None) -> RecipientQuerySet:
        return self.filter(recipient_overdue_condition(today or timezone.localdate()))


class DispatchRecipient(RegionScopedModel):
    """One receiving region's copy of a task: acknowledged when, completed when, with what note."""

    task = models.ForeignKey(DispatchTask, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("task"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    status = models.CharField(
        _("status"), max_length=12, choices=RecipientStatus.choices, default=RecipientStatus.PENDING,
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("acknowledged by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("completed by"),
    )
    note = models.TextField(_("completion note"), blank=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        ordering = ["task_id", "region_id"]
        verbose_name = _("dispatch recipient")
        verbose_name_plural = _("dispatch recipients")
        constraints = [models.UniqueConstraint(fields=["task", "region"], name="dispatchrecipient_once_per_region")]
        indexes = [models.Index(fields=["region_code", "status"])]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.region_id}"

    def save(self, *args, **kwargs):
        self.region_code = self.region_id
        super().save(*args, **kwargs)

    @property
    def is_late(self) -> bool:
        """Overdue, computed in Python when the annotation is absent (a single object)."""
        value = self.__dict__.get("is_overdue")
        if value is not None:
            return bool(value)
        task = self.task
        if task.closed_at or task.deadline >= timezone.localdate():
            return False
        if task.kind == DispatchKind.NOTICE:
            return self.status == RecipientStatus.PENDING
        return self.status != RecipientStatus.DONE
