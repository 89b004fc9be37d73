"""A warning: a household that a rule, a feed, a self-report or a visit says may be at risk.

Lifecycle (policy.md §6.1 step 1, 入户核实): ``new`` → ``verifying`` → ``dismissed`` (with a
reason for each of its signals) or ``escalated`` (to the case it opens, or the household's open
case it joins, in the same transaction; the cases app builds what follows). The transitions live
in ``shouwang.monitoring.warnings.services`` and each one leaves a ``WarningTransition`` row and a
change-log entry.

Overdue is derived, not stored: a warning is overdue when it is still open and its due date
has passed (``WarningQuerySet.overdue``). A stored flag would need a periodic job to set it
and would be wrong between runs; the comparison is one indexed condition
(region, status, due date), so every list, count and API answer is right on the day it is read.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.calendar import add_working_days
from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet


class WarningStatus(models.TextChoices):
    NEW = "new", _("New")
    VERIFYING = "verifying", _("Verifying")
    DISMISSED = "dismissed", _("Dismissed")
    ESCALATED = "escalated", _("Escalated to a case")

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Statuses in which a warning still waits for someone to act."""
        return (cls.NEW, cls.VERIFYING)


class WarningChannel(models.TextChoices):
    RULE = "rule", _("Screening rule")
    FEED = "feed", _("Department feed")
    SELF_REPORT = "self_report", _("Household self-report")
    VISIT = "visit", _("Cadre visit")
    POLICY_GAP = "policy_gap", _("Policy gap")


def verification_due(raised_on: date | None = None) -> date:
    """The verification deadline of a warning raised on ``raised_on`` (today): the same for every
    channel, ``SHOUWANG_WARNING_VERIFY_DAYS`` working days later (:mod:`shouwang.core.calendar`)."""
    return add_working_days(raised_on or timezone.localdate(), settings.SHOUWANG_WARNING_VERIFY_DAYS)


def overdue_condition(today: date) -> Q:
    """Still open and the verification date has passed (the due date itself is not late)."""
    return Q(status__in=WarningStatus.open(), due_date__lt=today)


class WarningQuerySet(RegionScopedQuerySet):
    def open(self) -> WarningQuerySet:
        return self.filter(status__in=WarningStatus.open())

    def overdue(self, today: date | None = None) -> WarningQuerySet:
        return self.filter(overdue_condition(today or timezone.localdate()))

    def with_overdue(self, today: date | None = None) -> WarningQuerySet:
        """Annotate ``is_overdue`` (a boolean computed by the database) for lists and the API."""
        return self.annotate(is_overdue=Case(
            When(overdue_condition(today or timezone.localdate()), then=Value(True)),
            default=Value(False), output_field=models.BooleanField(),
        ))


class Warning(RegionScopedModel):
    """A household to verify, with the evidence that raised it and the date it must be verified by.

    At most one open warning per household (a database constraint): every rule, feed, visit and
    self-report that points at the household while it is open is a ``Signal`` on it, so the queue
    counts households. ``rule``, ``channel`` and ``evidence`` repeat those of its first signal
    (lists sort and filter by them without a join); ``signals`` is the whole evidence. ``closed_*``
    repeat the last transition
    (who dismissed or escalated it, when, and why) so lists need no join; the full history is
    ``transitions``.
    """

    # Indexed once, by the first column of the index in Meta, rather than by the two single-column
    # indexes (plain and LIKE) ``db_index`` would add: screening writes a county's warnings in
    # one go, and each index costs every one of them.
    region_code = models.CharField(_("region code"), max_length=15, editable=False)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="warnings", verbose_name=_("household"),
    )
    # No database constraint: a rule is never deleted (it gets a new version; the ORM refuses to
    # delete one with warnings, PROTECT), and screening locks its rules once per run
    # (``screening.services._lock_rules``), the lock the constraint's trigger would take for each warning it
    # writes. Written in parts at once, each part's trigger locked the same dozen rule rows again
    # for every warning, shared between the parts' transactions: a tenth of a county's run.
    rule = models.ForeignKey(
        "monitoring.Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="warnings",
        verbose_name=_("rule"), db_constraint=False,
    )
    rule_version = models.PositiveIntegerField(_("rule version"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=WarningStatus.choices, default=WarningStatus.NEW)
    channel = models.CharField(_("channel"), max_length=12, choices=WarningChannel.choices, default=WarningChannel.RULE)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    due_date = models.DateField(_("verify by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Indexed only where set (Meta): a new warning has no one who closed it, and screening adds
    # a county's warnings at once.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("closed by"), db_index=False,
    )
    closing_note = models.TextField(_("reason or note"), blank=True)

    objects = WarningQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        indexes = [
            # Scoping (region_code LIKE 'prefix%', or equal) and the queues (open, by due date).
            # PostgreSQL needs the pattern operator class for LIKE under a non-C collation; it
            # serves equality too. Other databases ignore operator classes.
            models.Index(fields=["region_code", "status", "due_date"], name="warning_region_status_due",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops"]),
            # A deleted user's warnings (SET_NULL) are found by it.
            models.Index(fields=["closed_by"], condition=models.Q(closed_by__isnull=False),
                         name="warning_closed_by"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(status__in=["new", "verifying"]),
                name="warning_one_open_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.rule_id or self.channel} {self.status}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        if self.due_date is None and self.status in WarningStatus.open():
            # Other channels (self-reports, visits) get the same deadline as screening.
            self.due_date = verification_due()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in WarningStatus.open()

    def overdue_on(self, today: date | None = None) -> bool:
        """For one object already loaded; querysets use ``with_overdue`` instead."""
        today = today or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < today


class WarningTransition(models.Model):
    """One change of a warning's status: who, when, from what, to what, and why.

    Append-only: rows are written by ``shouwang.monitoring.warnings.services`` in the transaction that
    changes the status, next to a change-log entry (which is hash-chained); this table is the
    readable history shown on the warning's page.
    """

    warning = models.ForeignKey(
        Warning, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("warning"),
    )
    from_status = models.CharField(_("from"), max_length=10, choices=WarningStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=WarningStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    reason = models.TextField(_("reason or note"), blank=True)

    class Meta:
        ordering = ["warning_id", "at", "id"]
        verbose_name = _("warning transition")
        verbose_name_plural = _("warning transitions")

    def __str__(self) -> str:
        return f"{self.warning_id}: {self.from_status} → {self.to_status}"


class Signal(RegionScopedModel):
    """One piece of evidence that a household may be at risk: a rule that fired, a department feed,
    a self-report or a cadre visit.

    A signal joins what is already dealing with its household: the open case (``case_id``; the
    monitoring part knows cases only by number, cases sit above it), else the open warning, else
    a new warning opened for it (``warning``). It stays open while that warning or case is open:
    one open signal per household and rule (a database constraint), so screening again adds
    nothing. Dismissing the warning closes its signals, each with its own reason
    (``dismissal_reason``); a case that ends closes those on it.
    """

    # Indexed by the index in Meta, not by ``db_index``: screening writes a county's signals at once.
    region_code = models.CharField(_("region code"), max_length=15, editable=False)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="risk_signals", verbose_name=_("household"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    channel = models.CharField(_("source"), max_length=12, choices=WarningChannel.choices, default=WarningChannel.RULE)
    # No database constraint, as ``Warning.rule``: screening locks its rules once per run.
    rule = models.ForeignKey(
        "monitoring.Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="signals",
        verbose_name=_("rule"), db_constraint=False,
    )
    rule_version = models.PositiveIntegerField(_("rule version"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    raised_on = models.DateField(_("raised on"))
    warning = models.ForeignKey(
        Warning, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals", verbose_name=_("warning"),
    )
    case_id = models.PositiveBigIntegerField(_("case"), null=True, blank=True)
    open = models.BooleanField(_("open"), default=True)
    dismissal_reason = models.TextField(_("dismissal reason"), blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["raised_on", "id"]
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        indexes = [
            models.Index(fields=["region_code", "open"], name="signal_region_open",
                         opclasses=["varchar_pattern_ops", "bool_ops"]),
            models.Index(fields=["case_id"], condition=models.Q(case_id__isnull=False), name="signal_case"),
            # The signals screening or a report has just added, not yet on a warning or a case.
            models.Index(fields=["household"], condition=models.Q(open=True, warning__isnull=True,
                                                                  case_id__isnull=True),
                         name="signal_pending"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "rule"], condition=models.Q(open=True, rule__isnull=False),
                name="signal_one_open_per_household_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.rule_id or self.channel} {'open' if self.open else 'closed'}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)
