"""Honest dates: the day an entry is recorded, and late entries (补录) that need a reason.

Every case service that takes a date the user typed (a step's completion, a notice's start, a
measure's start) also takes ``recorded_on``, the day the entry is made: today unless a caller
replays past days (the demo). A typed date earlier than the recording day is a late entry: it is
refused without a reason, and stored with the reason and the recording day, marked in the case's
history and listed by the consistency rule ``late_entry``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .declarations import MAX_REASON
from .refusals import ReasonRequired


class LateReasonRequired(ReasonRequired):
    """A date earlier than the day it is recorded, without the reason for the late entry (HTTP 400)."""


def recording_day(recorded_on: date | None = None, now: datetime | date | None = None) -> date:
    """The day an entry is recorded: ``recorded_on``, else the day of ``now``, else today."""
    if recorded_on is not None:
        return recorded_on
    if isinstance(now, datetime):
        return timezone.localdate(now) if timezone.is_aware(now) else now.date()
    if isinstance(now, date):
        return now
    return timezone.localdate()


def recording_moment(recorded_on: date) -> datetime:
    """The time stamp of an entry recorded on ``recorded_on``: now, or that day at the current time of day.

    A caller replaying a past day (the demo) gets history rows dated that day, not the day it ran.
    """
    now = timezone.now()
    if recorded_on == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(recorded_on, timezone.localtime(now).time()))


def clean_reason(text: Any) -> str:
    return " ".join(str(text or "").split())[:MAX_REASON]


def late_entry_reason(on: date | None, recorded_on: date, late_reason: Any, *, what: str) -> str:
    """The reason to store with an entry dated ``on`` and recorded on ``recorded_on``: "" when not late.

    Raises ``LateReasonRequired`` (HTTP 400) naming ``what`` when the date is earlier than the
    recording day and no reason is given.
    """
    if on is None or on >= recorded_on:
        return ""
    reason = clean_reason(late_reason)
    if not reason:
        raise LateReasonRequired(_(
            "%(what)s (%(date)s) is earlier than the day it is recorded (%(recorded)s): this is a late entry. "
            "Give the reason it is recorded late."
        ) % {"what": what, "date": on.isoformat(), "recorded": recorded_on.isoformat()})
    return reason


def late_entry_data(on: date | None, recorded_on: date, reason: str) -> dict[str, Any]:
    """What a transition's data carries about a late entry (the case's history shows it); nothing
    when it is not one (no reason, as ``late_entry_reason`` answers for an entry on time)."""
    if not reason or on is None:
        return {}
    return {"late_entry": {"on": on.isoformat(), "recorded_on": recorded_on.isoformat(), "reason": reason}}
