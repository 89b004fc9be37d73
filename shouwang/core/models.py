"""Abstract bases every domain model uses, the tamper-evident audit logs and job records."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.db import connections, models
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.db.models.sql import UpdateQuery
from django.db.models.sql.constants import ROW_COUNT
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class RegionScopedQuerySet(models.QuerySet):
    """Querysets of region-keyed data; ``restrict`` is the one scoping choke point."""

    def restrict(self, user, action: str = "view"):
        from .permissions import restrict

        return restrict(user, self, action)


class RegionScopedModel(TimeStampedModel):
    """Carries the village's statistical code, so that scoping is a prefix filter."""

    region_code = models.CharField(_("region code"), max_length=15, db_index=True, editable=False)

    objects = RegionScopedQuerySet.as_manager()
    region_field = "region_code"

    class Meta:
        abstract = True


class ChainedLogEntry(models.Model):
    """A row of an append-only log whose MAC covers the previous row's (tamper evidence, core.audit).

    ``user`` is PROTECT: the acting user's id is under the MAC, so a user who acted is deactivated,
    never deleted (SET_NULL would rewrite audit rows).
    """

    class Result(models.TextChoices):
        OK = "ok", _("Succeeded")
        DENIED = "denied", _("Denied")
        FAILED = "failed", _("Failed")

    time = models.DateTimeField(_("time"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    request_id = models.CharField(_("request"), max_length=64, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region_code = models.CharField(_("region code"), max_length=15, blank=True, db_index=True)
    # The client's address (SHOUWANG_CLIENT_IP_HEADER or REMOTE_ADDR; "" outside a request) and the
    # outcome of the access ("ok", "denied", "failed"; changes are "ok").
    client_ip = models.CharField(_("client address"), max_length=64, blank=True, db_default="")
    result = models.CharField(_("result"), max_length=10, blank=True, choices=Result.choices, db_default="")
    # Position in the keyed chain (1, 2, …, no gaps), MAC'd with the audit key. None marks an entry
    # written before the audit key (version 1: SHA-256 over fewer fields; core.audit).
    seq = models.BigIntegerField(null=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        abstract = True
        ordering = ["-id"]

    def describe(self, action: str) -> str:
        """Time, user, action and object, for ``__str__`` of the concrete logs."""
        when = f"{timezone.localtime(self.time):%Y-%m-%d %H:%M}" if self.time else ""
        return " ".join(filter(None, [when, self.username, action, self.object_type,
                                      self.object_repr or self.object_id]))


class ChangeLog(ChainedLogEntry):
    """One create/update/delete of registry data: who, when, before and after (PI masked)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta(ChainedLogEntry.Meta):
        verbose_name = _("change log entry")
        verbose_name_plural = _("change log")

    def __str__(self) -> str:
        return self.describe(self.action)


class AccessLog(ChainedLogEntry):
    """A read of personal data in the clear, an export, or another access worth answering for."""

    class Action(models.TextChoices):
        UNMASK = "unmask", _("Viewed unmasked personal data")
        EXPORT = "export", _("Exported data")
        EXPORT_UNMASKED = "export_unmasked", _("Exported unmasked personal data")
        DOWNLOAD = "download", _("Downloaded an export")
        IMPORT = "import", _("Imported data")
        SEARCH_ID = "search_id", _("Searched by ID number")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    fields = models.CharField(_("fields"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("detail"), null=True, blank=True)

    class Meta(ChainedLogEntry.Meta):
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return self.describe(self.action)


class ChainHead(models.Model):
    """The last entry of each log chain; locking this row serialises appends on PostgreSQL.

    ``seq`` and ``last_hash`` are those of the last keyed entry (or the last hash of the version 1
    entries before any), ``mac`` the audit key's MAC over them: a head moved back by someone
    without the key does not verify. On PostgreSQL ``protect_audit`` lets it move only forward.
    """

    name = models.CharField(max_length=32, primary_key=True)
    last_hash = models.CharField(max_length=64)
    seq = models.BigIntegerField(db_default=0)
    mac = models.CharField(max_length=64, blank=True, db_default="")

    def __str__(self) -> str:
        return f"{self.name} {self.last_hash[:12]}"


class Job(TimeStampedModel):
    """A long piece of work (import, seeding, export) with progress the user can watch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs",
        verbose_name=_("user"),
    )
    progress = models.PositiveIntegerField(_("progress"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    # A msgid (translated when read, in the reader's language) and the values it names.
    message = models.CharField(_("message"), max_length=500, blank=True)
    message_params = models.JSONField(_("message parameters"), default=dict, blank=True)
    # The traceback of a failure: for the server log and administrators, never other users.
    error = models.TextField(_("error"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # How many times a worker started it (a job whose worker died may be queued again: core.jobs).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.progress / self.total) if self.total else (100 if self.finished_at else 0)

    def start(self, message: str = "") -> None:
        """Mark the job running, with a single UPDATE the page sees at once (``message`` replaces
        "Queued"; the work's progress messages follow)."""
        self._update({"status": Job.Status.RUNNING, "started_at": timezone.now(), "message": message[:500],
                      "message_params": {}, "attempts": self.attempts + 1})

    @property
    def display_message(self) -> str:
        """The message in the active language, with its values filled in."""
        if not self.message:
            return ""
        text = gettext(self.message)
        if self.message_params:
            try:
                return text % self.message_params
            except (KeyError, TypeError, ValueError):
                return text
        return text

    def fail(self, message: str, *, params: dict[str, Any] | None = None, error: str = "") -> None:
        """End the job as failed, saying why (a msgid); ``error`` keeps the traceback."""
        self._update({"status": Job.Status.FAILED, "finished_at": timezone.now(),
                      "message": str(message)[:500], "message_params": params or {}, "error": error})

    def succeed(self, message: str = "", *, params: dict[str, Any] | None = None, **fields: Any) -> None:
        """End the job as succeeded; ``fields`` (result, progress, total…) are written with it."""
        self._update({"status": Job.Status.SUCCEEDED, "finished_at": timezone.now(),
                      "message": str(message)[:500], "message_params": params or {}, **fields})

    def _update(self, fields: dict[str, Any]) -> None:
        Job.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def set_progress(self, progress: int, total: int | None = None, message: str = "") -> None:
        """Write progress with a single UPDATE so the web page sees it while the job runs."""
        self.progress = progress
        if total is not None:
            self.total = total
        if message:
            self.message = message[:500]
        write_progress(Job.objects.filter(pk=self.pk),
                       {"progress": self.progress, "total": self.total, "message": self.message})


def write_progress(rows: models.QuerySet, fields: dict[str, Any]) -> int:
    """Update ``rows`` so that a page polling them sees it at once, without disturbing a read the
    work still has open.

    On a SQLite file in WAL mode, a connection that holds a read open (an export iterating its
    rows) and then writes must upgrade its read snapshot to a write; if another connection wrote
    in between (the progress page's request saving its session), SQLite refuses at once with
    "database is locked", whatever the busy timeout. So outside a transaction the progress is
    written on a short-lived connection of its own, and the work's connection only ever reads.
    Inside a transaction (or on PostgreSQL, or an in-memory test database) the work's own
    connection writes it, as any other change.
    """
    alias = rows.db
    main = connections[alias]
    if not isinstance(main, SQLiteDatabaseWrapper) or main.in_atomic_block or main.is_in_memory_db():
        return rows.update(**fields)
    query = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    query.add_update_values(fields)
    side = connections.create_connection(alias)
    try:
        return query.get_compiler(connection=side).execute_sql(ROW_COUNT) or 0
    finally:
        side.close()


class JobLease(models.Model):
    """Which process runs a job, and until when that is known: renewed by the process's heartbeat
    (:mod:`shouwang.core.jobs`). A job whose lease ran out, or whose process is known dead, was
    abandoned by its worker. A row of its own, not columns of ``Job``: the work's transaction
    updates the job's progress row, and the heartbeat must never wait for that transaction."""

    job = models.OneToOneField(Job, primary_key=True, on_delete=models.CASCADE, related_name="lease",
                               verbose_name=_("job"))
    holder = models.CharField(_("holder"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("job lease")
        verbose_name_plural = _("job leases")

    def __str__(self) -> str:
        return f"{self.job_id} {self.holder}"


class ScheduledJob(TimeStampedModel):
    """One periodic job the application runs by itself, at the time the county set.

    The jobs are declared in code (:func:`shouwang.core.scheduling.register_periodic`); a row keeps
    what the county changed (the time) and what happened (the next and the last run). ``next_run``
    is also the claim: a scheduler moves it forward with a conditional UPDATE before it starts the
    job, so two schedulers never start the same run.
    """

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    time_of_day = models.TimeField(_("time of day"), null=True, blank=True)
    every_minutes = models.PositiveIntegerField(_("every (minutes)"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run = models.DateTimeField(_("next run"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_job = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("last job"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name


class WorkingDayOverride(TimeStampedModel):
    """A county's exception to the national working-day calendar: a day off or a day worked."""

    day = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {'+' if self.is_working_day else '-'}"
