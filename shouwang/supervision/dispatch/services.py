"""Dispatch (指挥调度): who may send a task down, to whom, and how recipients answer.

The county (county officer or administrator) sends to townships (all, or chosen ones) or to
the villages of a township; a township officer sends to its own villages. Sending is always
downwards: a target must lie strictly inside the sender's region, one or two levels down.
Each receiving region answers through a user *of that region and level* (a township officer
for a township, the village cadre for a village): acknowledge, then report completion with a
note. A notice only needs acknowledging.

Who may send, close, read an inbox and answer is declared in :mod:`.permissions`. Refusals say
which kind they are, as the warning lifecycle does: ``PermissionDenied`` (not your role or region:
HTTP 403) or ``DispatchNotAllowed`` (not in this state: HTTP 409); a
form that is incomplete is ``DispatchInvalid`` (HTTP 400). Every change is in the change log,
and the status moves with a conditional UPDATE so two clicks at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import can, home_region, require, restrict
from shouwang.core.regioncodes import level_of
from shouwang.regions.models import Region

from .models import DispatchKind, DispatchRecipient, DispatchTask, RecipientStatus

ATTACHMENT_SUFFIXES = {".pdf", ".docx", ".xlsx", ".jpg", ".jpeg", ".png"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_NOTE = 2000


class DispatchNotAllowed(Exception):
    """The action does not apply in the recipient's or task's current state (HTTP 409)."""


class DispatchInvalid(ValueError):
    """The request is incomplete or malformed (HTTP 400); the message says what to fix."""


def today() -> date:
    """The date deadlines are compared with; tests replace it."""
    return timezone.localdate()


def _acting(user):
    return acting_unless_known(user, "dispatch")


# --- where a sender reaches ---------------------------------------------------------------------


def sends_from_county(user) -> bool:
    """Whether the user sends from a county (to its townships and villages), not from a township."""
    return level_of(home_region(user)) == Region.Level.COUNTY


def target_regions(user) -> list[Region]:
    """The regions the user may send to: townships and villages of a county, villages of a township
    (one or two levels down, strictly inside the sender's region)."""
    if not can(user, "supervision.issue_dispatch"):
        return []
    prefix = home_region(user)
    levels = [Region.Level.VILLAGE]
    if sends_from_county(user):
        levels.insert(0, Region.Level.TOWNSHIP)
    regions = Region.objects.filter(level__in=levels).exclude(code=prefix)
    return list(
        restrict(user, regions, "supervision.issue_dispatch").only("code", "name", "level", "parent_code")
        .order_by("code")
    )


# --- reading ------------------------------------------------------------------------------------


def issued_tasks(user) -> QuerySet[DispatchTask]:
    """Tasks sent from the user's region or from a region inside it, with answer counts."""
    open_answer = [RecipientStatus.PENDING, RecipientStatus.ACKNOWLEDGED]
    late = Q(deadline__lt=today(), closed_at__isnull=True) & (
        Q(kind=DispatchKind.TASK, recipients__status__in=open_answer)
        | Q(kind=DispatchKind.NOTICE, recipients__status=RecipientStatus.PENDING)
    )
    return (
        DispatchTask.objects.restrict(user, "view").select_related("issuer_region", "issued_by")
        .annotate(
            recipient_total=Count("recipients"),
            acknowledged_total=Count("recipients", filter=Q(
                recipients__status__in=[RecipientStatus.ACKNOWLEDGED, RecipientStatus.DONE])),
            done_total=Count("recipients", filter=Q(recipients__status=RecipientStatus.DONE)),
            overdue_total=Count("recipients", filter=late),
        )
        .order_by("-created_at", "-id")
    )


def inbox(user) -> QuerySet[DispatchRecipient]:
    """What the user's own region received, soonest deadline first, overdue marked."""
    return (
        DispatchRecipient.objects.restrict(user, "supervision.read_dispatch_inbox")
        .with_overdue(today()).select_related("task", "task__issuer_region", "task__issued_by", "region")
        .order_by("status", "task__deadline", "id")
    )


def recipients_for(user) -> QuerySet[DispatchRecipient]:
    """Recipient rows the user may see: those of tasks the user's region issued, and the inbox."""
    tasks = DispatchTask.objects.restrict(user, "view").values("pk")  # the issued_tasks, without their counts
    if not can(user, "view"):
        return DispatchRecipient.objects.none()
    received = restrict(user, DispatchRecipient.objects.all(), "supervision.read_dispatch_inbox").values("pk")
    return (
        DispatchRecipient.objects.filter(Q(task__in=tasks) | Q(pk__in=received))
        .with_overdue(today()).select_related("task", "region", "acknowledged_by", "completed_by")
    )


def visible_task(user, pk: int) -> DispatchTask | None:
    """The task if the user issued it (or it was issued inside their region) or received it."""
    task = issued_tasks(user).filter(pk=pk).first()
    if task is not None:
        return task
    if inbox(user).filter(task_id=pk).exists():
        return DispatchTask.objects.select_related("issuer_region", "issued_by").get(pk=pk)
    return None


def is_issuer_side(user, task: DispatchTask) -> bool:
    """The task was sent from the user's region or from a region inside it."""
    return can(user, "view", task)


# --- issuing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """An uploaded file after its checks: the name to show and the content."""

    name: str
    content: File  # a Django UploadedFile


_MAGIC = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def check_attachment(uploaded) -> Attachment | None:
    """PDF, Word, Excel, JPEG or PNG up to 10 MB, whose first bytes match its type."""
    if not uploaded:
        return None
    name = Path(uploaded.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in ATTACHMENT_SUFFIXES:
        raise DispatchInvalid(_("Attach a PDF, Word (.docx), Excel (.xlsx), JPEG or PNG file."))
    if uploaded.size > ATTACHMENT_MAX_BYTES:
        raise DispatchInvalid(_("The attachment is larger than 10 MB."))
    head = uploaded.read(8)
    uploaded.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC[suffix]):
        raise DispatchInvalid(_("The attachment is not the kind of file its name says."))
    return Attachment(name=name[:200], content=uploaded)


def resolve_targets(user, mode: str, codes: Iterable[str] = (), township: str = "") -> list[str]:
    """The receiving region codes for a form's choice.

    ``all``: every township (county sender) or every village (township sender);
    ``chosen``: the listed regions; ``villages_of``: every village of ``township`` (county sender).
    """
    allowed = target_regions(user)
    county = sends_from_county(user)
    below = Region.Level.TOWNSHIP if county else Region.Level.VILLAGE
    if mode == "all":
        return [r.code for r in allowed if r.level == below]
    if mode == "villages_of":
        if not county or level_of(township) != Region.Level.TOWNSHIP:
            raise PermissionDenied(_("You may only send to regions below your own."))
        require(user, "supervision.issue_dispatch", township,
                message=_("You may only send to regions below your own."))
        return [r.code for r in allowed if r.level == Region.Level.VILLAGE and r.code.startswith(township)]
    return sorted(set(codes))


def issue_task(user, *, title: str, deadline: date, targets: Iterable[str], body: str = "",
               kind: str = DispatchKind.TASK, attachment=None, on: date | None = None) -> DispatchTask:
    """Send a task or notice to ``targets`` (region codes strictly below the sender's region)."""
    require(user, "supervision.issue_dispatch")
    codes = sorted(set(targets))
    allowed = {r.code for r in target_regions(user)}
    outside = [c for c in codes if c not in allowed]
    if outside:
        raise PermissionDenied(_("You may only send to regions below your own."))
    title = " ".join((title or "").split())[:200]
    if not title:
        raise DispatchInvalid(_("A title is required."))
    if not codes:
        raise DispatchInvalid(_("Choose at least one region to send to."))
    if kind not in DispatchKind.values:
        raise DispatchInvalid(_("Choose a task or a notice."))
    if deadline is None or deadline < (on or today()):
        raise DispatchInvalid(_("The deadline cannot be in the past."))
    checked = check_attachment(attachment)
    with _acting(user), transaction.atomic():
        task = DispatchTask(
            kind=kind, title=title, body=(body or "").strip(), issuer_region_id=home_region(user) or "",
            issued_by=user, deadline=deadline,
        )
        if checked is not None:
            task.attachment.save(checked.name, checked.content, save=False)
            task.attachment_name = checked.name
        task.save()
        DispatchRecipient.objects.bulk_create(
            [DispatchRecipient(task=task, region_id=code, region_code=code) for code in codes]
        )
        record_changes([Change(
            action="create", object_type="supervision.dispatchtask", object_id=task.pk, object_repr=title,
            region_code=task.region_code,
            after={"kind": kind, "title": title, "deadline": deadline.isoformat(), "recipients": codes,
                   "attachment": task.attachment_name},
        )])
    return task


def close_task(task: DispatchTask, user) -> DispatchTask:
    """The sender's region closes a task: no more answers, nothing overdue any more."""
    require(user, "supervision.close_dispatch", task)
    now = timezone.now()
    with _acting(user), transaction.atomic():
        if not DispatchTask.objects.filter(pk=task.pk, closed_at__isnull=True).update(closed_at=now, updated_at=now):
            raise DispatchNotAllowed(_("The task is already closed."))
        record_changes([Change(
            action="update", object_type="supervision.dispatchtask", object_id=task.pk, object_repr=task.title,
            region_code=task.region_code, before={"closed": False}, after={"closed": True},
        )])
    task.closed_at = now
    return task


# --- answering ----------------------------------------------------------------------------------


def _move(recipient: DispatchRecipient, user, sources: tuple[str, ...], fields: dict, after: dict,
          refusal: str) -> DispatchRecipient:
    require(user, "supervision.answer_dispatch", recipient)
    with _acting(user), transaction.atomic():
        row = DispatchRecipient.objects.filter(pk=recipient.pk).values_list("status", "task__closed_at").first()
        if row is None:
            raise DispatchNotAllowed(refusal)
        current, closed_at = row
        if closed_at is not None:
            raise DispatchNotAllowed(_("The task has been closed by its sender."))
        if current not in sources:
            raise DispatchNotAllowed(refusal)
        if not DispatchRecipient.objects.filter(pk=recipient.pk, status=current).update(**fields):
            raise DispatchNotAllowed(_("Someone else answered at the same moment; reload the page."))
        record_changes([Change(
            action="update", object_type="supervision.dispatchrecipient", object_id=recipient.pk,
            object_repr=f"{recipient.task_id} {recipient.region_code}", region_code=recipient.region_code,
            before={"status": current}, after=after,
        )])
    for name, value in fields.items():
        setattr(recipient, name, value)
    return recipient


def acknowledge(recipient: DispatchRecipient, user) -> DispatchRecipient:
    now = timezone.now()
    return _move(
        recipient, user, (RecipientStatus.PENDING,),
        {"status": RecipientStatus.ACKNOWLEDGED, "acknowledged_at": now, "acknowledged_by": user, "updated_at": now},
        {"status": RecipientStatus.ACKNOWLEDGED},
        _("This task has already been acknowledged."),
    )


def complete(recipient: DispatchRecipient, user, note: str) -> DispatchRecipient:
    """Report a task done, with a note of what was done (acknowledging it too if not yet)."""
    note = (note or "").strip()[:MAX_NOTE]
    if recipient.task.kind == DispatchKind.NOTICE:
        raise DispatchNotAllowed(_("A notice is only acknowledged, not completed."))
    if not note:
        require(user, "supervision.answer_dispatch", recipient)
        raise DispatchInvalid(_("Say what was done in the note."))
    now = timezone.now()
    fields = {"status": RecipientStatus.DONE, "completed_at": now, "completed_by": user, "note": note,
              "updated_at": now}
    if recipient.acknowledged_at is None:
        fields |= {"acknowledged_at": now, "acknowledged_by": user}
    return _move(
        recipient, user, (RecipientStatus.PENDING, RecipientStatus.ACKNOWLEDGED), fields,
        {"status": RecipientStatus.DONE, "note": note},
        _("This task has already been reported done."),
    )


# --- screening campaigns ------------------------------------------------------------------------


def campaigns_with_progress(user, limit: int = 20) -> list[tuple[object, object]]:
    """Screening campaigns the user sees, each with done/total per township (or village)."""
    from shouwang.monitoring.fieldwork import services as fieldwork
    from shouwang.monitoring.models import Campaign

    campaigns = Campaign.objects.restrict(user).select_related("region").order_by("-starts_on", "-id")[:limit]
    return [(campaign, fieldwork.campaign_progress(campaign, user)) for campaign in campaigns]
