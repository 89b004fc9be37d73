"""Posting a public notice (公示) and what the notice step needs before it completes.

The notice step completes only when a notice listing the case, posted after the case's
appraisal and starting on or after the day the appraisal was done, of the procedure's kind (or
"both"), at least ``notice_min_days`` long, has ended (its last day is before the day the step is
done). The same holds for the identification and the elimination notice. A notice dated before
the appraisal is refused when posted; one that starts before the day it is recorded is a late
entry (补录): it needs a reason, is marked in each case's history and listed by the consistency
rule ``late_entry``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case
from shouwang.cases.procedure.audit import record
from shouwang.cases.procedure.context import open_procedure, user_level
from shouwang.cases.procedure.lateentry import late_entry_data, late_entry_reason, recording_moment
from shouwang.cases.procedure.models import Procedure, ProcedureSettings, StepCode, StepStatus
from shouwang.cases.procedure.refusals import InvalidData, NotAllowedNow, NotYourLevel
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import can

from .models import Notice, NoticeKind


def appraisal_date(procedure: Procedure) -> date | None:
    """The day the procedure's democratic appraisal (民主评议) was done, or None while it is not."""
    # ``.all()`` so that the prefetch of ``cases_with_steps`` answers without a query per case.
    step = next((s for s in procedure.steps.all() if s.code == StepCode.APPRAISAL), None)
    if step is None or step.status != StepStatus.DONE:
        return None
    return step.done_date


def notice_problem(case: Case, procedure: Procedure, today: date) -> str | None:
    """Why the notice step cannot complete on ``today`` (the day it is done), or None when a valid notice has ended.

    A notice counts only from the appraisal on: posted after it was recorded, and starting on or
    after the day it was done. One dated earlier never completes the step.
    """
    settings = ProcedureSettings.for_region(case.region_code)
    appraisal = procedure.steps.filter(code=StepCode.APPRAISAL).first()
    listing = case.notices.filter(kind__in=(procedure.kind, NoticeKind.BOTH))
    if appraisal is not None and appraisal.done_at is not None:
        listing = listing.filter(created_at__gte=appraisal.done_at)
    notices = list(listing)
    appraised = appraisal.done_date if appraisal is not None else None
    early = [n for n in notices if appraised is not None and n.starts_on < appraised]
    notices = [n for n in notices if n not in early]
    if not notices and early and appraised is not None:
        return _("The public notice starts on %(start)s, before the democratic appraisal was done on %(date)s; "
                 "a notice counts only from the appraisal on. Post a new one.") % {
            "start": min(n.starts_on for n in early).isoformat(), "date": appraised.isoformat()}
    if not notices:
        return _("No public notice lists this case since its appraisal; post one in the village first.")
    long_enough = [n for n in notices if n.days >= settings.notice_min_days]
    if not long_enough:
        longest = max(n.days for n in notices)
        return _("The public notice runs %(days)s days; at least %(min)s are required.") % {
            "days": longest, "min": settings.notice_min_days,
        }
    if not any(n.ends_on < today for n in long_enough):
        last = min(n.ends_on for n in long_enough)
        return _("The public notice runs until %(date)s; complete this step after it has ended.") % {
            "date": last.isoformat(),
        }
    return None


def create_notice(user, village_code: str, cases: Iterable[Case], *, starts_on: date, ends_on: date,
                  contact: str = "", kind: str = NoticeKind.IDENTIFICATION, today: date | None = None,
                  recorded_on: date | None = None, late_reason: str = "") -> Notice:
    """Post a notice in one village for cases now at their notice step (published once, village only).

    The notice starts on or after the day each case's appraisal was done. ``recorded_on`` is the
    day it is recorded (``today`` when given, else today); a notice starting earlier is a late
    entry (补录) and needs ``late_reason``. Each case's history records the posting.
    """
    recorded_on = recorded_on or today or timezone.localdate()
    if not can(user, "cases.post_notice", village_code):
        raise NotYourLevel(_("Notices are posted by the village's cadres or its township's officers."))
    if kind not in NoticeKind.values:
        raise InvalidData(_("Unknown notice kind “%(kind)s”.") % {"kind": kind})
    if ends_on < starts_on:
        raise InvalidData(_("The notice ends before it starts."))
    settings = ProcedureSettings.for_region(village_code)
    days = (ends_on - starts_on).days + 1
    if days < settings.notice_min_days:
        raise NotAllowedNow(_("The public notice runs %(days)s days; at least %(min)s are required.") % {
            "days": days, "min": settings.notice_min_days})
    cases = list(cases)
    if not cases:
        raise InvalidData(_("Choose the cases to list on the notice."))
    for case in cases:
        if case.region_code != village_code:
            raise InvalidData(_("Case %(id)s is not in this village.") % {"id": case.pk})
        procedure = open_procedure(case)
        # ``.all()`` so that the prefetch of ``cases_with_steps`` answers without a query per case.
        step = next((s for s in procedure.steps.all() if s.code == StepCode.NOTICE), None) if procedure else None
        if procedure is None or step is None or step.status != StepStatus.OPEN or not (
                kind == NoticeKind.BOTH or procedure.kind == kind):
            raise NotAllowedNow(_("Case %(id)s is not at its public-notice step.") % {"id": case.pk})
        appraised = appraisal_date(procedure)
        if appraised is not None and starts_on < appraised:
            raise InvalidData(_(
                "The notice starts on %(start)s, before the democratic appraisal of case %(id)s was done on "
                "%(date)s; a notice starts on or after the appraisal."
            ) % {"start": starts_on.isoformat(), "id": case.pk, "date": appraised.isoformat()})
    late = late_entry_reason(starts_on, recorded_on, late_reason, what=_("The notice's start date"))
    acting = acting_unless_known(user, "cases")
    moment = recording_moment(recorded_on)
    level = user_level(user) or ""
    with acting, transaction.atomic():
        notice = Notice(region_code=village_code, kind=kind, starts_on=starts_on, ends_on=ends_on,
                        contact=contact[:200], created_by=user, recorded_on=recorded_on, late_reason=late)
        notice.save()
        notice.cases.set(cases)
        record_changes([Change(
            action="create", object_type="cases.notice", object_id=notice.pk, object_repr=str(notice),
            region_code=village_code, after={"kind": kind, "starts_on": starts_on.isoformat(),
                                             "ends_on": ends_on.isoformat(), "cases": [c.pk for c in cases],
                                             "recorded_on": recorded_on.isoformat(), "late_reason": late},
        )])
        data = {"notice": notice.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}
        data |= late_entry_data(starts_on, recorded_on, late)
        for case in cases:
            # The posting belongs to each case's history, where a late entry shows its mark.
            record(case, user, level, "post_notice", case.status, case.status, procedure=open_procedure(case),
                   step_code=StepCode.NOTICE, data=data, at=moment)
    return notice
