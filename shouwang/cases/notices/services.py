"""Posting a public notice (公示) and what the notice step needs before it completes.

The notice step completes only when a notice listing the case, created after the case's
appraisal, of the procedure's kind (or "both"), at least ``notice_min_days`` long, has ended
(its last day is before today).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case
from shouwang.cases.procedure.context import open_procedure
from shouwang.cases.procedure.models import Procedure, ProcedureSettings, StepCode, StepStatus
from shouwang.cases.procedure.refusals import InvalidData, NotAllowedNow, NotYourLevel
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import can

from .models import Notice, NoticeKind


def notice_problem(case: Case, procedure: Procedure, today: date) -> str | None:
    """Why the notice step cannot complete yet, or None when a valid notice has ended."""
    settings = ProcedureSettings.for_region(case.region_code)
    appraisal = procedure.steps.filter(code=StepCode.APPRAISAL).values_list("done_at", flat=True).first()
    listing = case.notices.filter(kind__in=(procedure.kind, NoticeKind.BOTH))
    if appraisal is not None:
        listing = listing.filter(created_at__gte=appraisal)
    notices = list(listing)
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
                  contact: str = "", kind: str = NoticeKind.IDENTIFICATION, today: date | None = None) -> Notice:
    """Post a notice in one village for cases now at their notice step (published once, village only)."""
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
    acting = acting_unless_known(user, "cases")
    with acting, transaction.atomic():
        notice = Notice(region_code=village_code, kind=kind, starts_on=starts_on, ends_on=ends_on,
                        contact=contact[:200], created_by=user)
        notice.save()
        notice.cases.set(cases)
        record_changes([Change(
            action="create", object_type="cases.notice", object_id=notice.pk, object_repr=str(notice),
            region_code=village_code, after={"kind": kind, "starts_on": starts_on.isoformat(),
                                             "ends_on": ends_on.isoformat(), "cases": [c.pk for c in cases]},
        )])
    return notice
