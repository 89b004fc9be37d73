"""Self-report services: the public page's submissions (农户自主申报) and the staff queue behind them.

One of the three discovery channels comes in here. A household's own report arrives on a public
page without an account; when the registry knows the person it becomes a risk signal of the
household (``warnings.services.add_signal``): on the household's case if it is monitored, else on
its one open warning in the village queue, with the verification deadline screening uses. A report
whose ID number the registry does not know stays in the chosen village's queue as a lead (a person
to find and, if need be, to register). The public page only stores the report; a job matches it
with the registry afterwards, so the request does equal work for a known and an unknown person.

The public page must not become an oracle for "is this person in the registry?": everything
it shows is decided before the registry is consulted (form checks, rate limits), and the
submission answers the same whatever the match.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core import crypto
from shouwang.core.audit import record_access, record_changes
from shouwang.core.idnumbers import IdNumber
from shouwang.core.permissions import require
from shouwang.regions.models import Region
from shouwang.registry.households.audit import make_change
from shouwang.registry.households.permissions import REVEAL_PHONE
from shouwang.registry.models import Household, Member

from ..warnings.models import Warning, WarningChannel
from ..warnings.services import add_signal, field_evidence
from .models import SelfReport, SelfReportStatus
from .permissions import HANDLE_SELFREPORT

# --- rate limits ---------------------------------------------------------------------------------
# (submissions, seconds): settings.SHOUWANG_SELF_REPORT_CLIENT_LIMIT per client address (10 an
# hour) and settings.SHOUWANG_SELF_REPORT_ID_LIMIT per ID number (3 a day).


class RateLimited(Exception):
    """Too many submissions; ``retry_after`` is the number of seconds until the window ends."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _count(key: str, limit: int, window: int) -> None:
    """Count one event in the current fixed window; raise ``RateLimited`` past ``limit``.

    ``add`` then ``incr`` is atomic on every cache backend Django ships, so two requests at
    once cannot both take the last place. The key holds a keyed hash, never the address or
    the ID number itself.
    """
    now = time.time()
    bucket = int(now // window)
    cache_key = f"shouwang:selfreport:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 60)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window + 60)
        count = 1
    if count > limit:
        raise RateLimited(int((bucket + 1) * window - now) + 1)


def count_client_submission(client: str) -> None:
    """Every POST of the public form counts against its client, valid or not."""
    limit, window = settings.SHOUWANG_SELF_REPORT_CLIENT_LIMIT
    _count("client:" + crypto.blind_index(client, purpose="client"), limit, window)


def count_id_submission(id_number: str) -> None:
    """Reports about one person per day; the same for a known and an unknown number."""
    limit, window = settings.SHOUWANG_SELF_REPORT_ID_LIMIT
    _count("id:" + crypto.blind_index(id_number), limit, window)


def _snapshot(report: SelfReport) -> dict:
    """What the change log keeps of a report: masked numbers only, never the description."""
    return {
        "village": report.village_id,
        "name": report.name,
        "id": report.id_masked,
        "phone": report.phone_masked,
        "risk_type": report.risk_type,
        "minor": report.minor,
        "guardian": report.guardian_name,
        "status": report.status,
        "household": report.household.number if report.household is not None else None,
        "warning": report.warning_id,
        "reason": report.close_reason or None,
    }


# --- self-reports --------------------------------------------------------------------------------


@dataclass
class SelfReportData:
    """A checked submission of the public form."""

    name: str
    id_number: IdNumber
    phone: str
    village: Region
    risk_type: str
    description: str
    guardian_name: str = ""
    guardian_id_number: IdNumber | None = None
    guardian_phone: str = ""


def match_member(id_number: str) -> Member | None:
    """The registry member with this ID number, found through the blind index."""
    return _member_by_index(crypto.blind_index(id_number))


def _member_by_index(index: str) -> Member | None:
    """The registry member whose ID number has this blind index."""
    return Member.objects.select_related("household").filter(id_index=index).order_by("id").first()


def _signal(household: Household, report: SelfReport) -> Warning | None:
    """The report as a risk signal of the household; its warning (None: it went on the household's case)."""
    evidence = field_evidence(WarningChannel.SELF_REPORT, _report_entry(report))
    return add_signal(household, WarningChannel.SELF_REPORT, evidence).warning


def _report_entry(report: SelfReport) -> dict:
    return {
        "self_report": report.pk,
        "date": timezone.localdate().isoformat(),
        "risk_type": report.risk_type,
        "name": report.name,
        "minor": report.minor,
        "reported_by_guardian": bool(report.guardian_name),
    }


def store_self_report(data: SelfReportData) -> SelfReport:
    """The report, encrypted, in the chosen village's queue; nothing about the registry is read.

    The public page stores a report with this alone and queues its matching as a job
    (``tasks.start_routing``): the request then does the same work whether or not the registry
    knows the ID number (the same hashing, the same queries), so neither its answer nor its time
    says whether the person is registered (security.md §3.4, "no oracle").
    """
    report = SelfReport(
        village=data.village, name=data.name, risk_type=data.risk_type, description=data.description
    )
    report.set_id(data.id_number)
    report.set_phone(data.phone)
    if data.guardian_name or data.guardian_id_number or data.guardian_phone:
        report.set_guardian(data.guardian_name, data.guardian_id_number, data.guardian_phone)
    report.region_code = data.village.code
    with transaction.atomic():
        report.save()
        record_changes([make_change("create", report, after=_snapshot(report))])
    return report


def submit_self_report(data: SelfReportData) -> SelfReport:
    """Store a report and route it at once (the demo's history; the public page queues the routing)."""
    with transaction.atomic():
        report = store_self_report(data)
        return route_self_report(report.pk) or report


def route_self_report(report_pk: int) -> SelfReport | None:
    """Put a new report in the right queue; None when it is no longer waiting (handled meanwhile).

    The reporter's ID number is looked up through its blind index, then (for a child the
    registry does not know) the guardian's: the report joins that household's warning, or its
    case. Otherwise it stays in the chosen village's queue as a lead. Running it twice changes
    nothing more.
    """
    with transaction.atomic():
        report = (
            SelfReport.objects.select_for_update(of=("self",)).select_related("village")
            .filter(pk=report_pk, status=SelfReportStatus.NEW, household__isnull=True).first()
        )
        if report is None:
            return None
        member = _member_by_index(report.id_index)
        household = member.household if member else None
        if household is None and report.guardian_id_index:
            guardian = _member_by_index(report.guardian_id_index)
            household = guardian.household if guardian else None
        if household is None:
            return report
        before = _snapshot(report)
        report.household, report.member = household, member
        report.region_code = household.region_code
        report.status = SelfReportStatus.WARNING
        report.save(update_fields=["household", "member", "region_code", "status"])
        report.warning = _signal(household, report)
        SelfReport.objects.filter(pk=report.pk).update(warning=report.warning)
        record_changes([make_change("update", report, before=before, after=_snapshot(report))])
    return report


def self_reports_for(user, action: str = "view") -> QuerySet[SelfReport]:
    return SelfReport.objects.restrict(user, action).select_related("village", "household", "warning")


def _own_report(report: SelfReport, user) -> SelfReport:
    """The report, locked, if the user may act on it; otherwise ``PermissionDenied``."""
    reports = self_reports_for(user, HANDLE_SELFREPORT.name)
    locked = reports.select_for_update(of=("self",)).filter(pk=report.pk).first()
    if locked is None:
        raise PermissionDenied(_("You may not act on this report."))
    if locked.status != SelfReportStatus.NEW:
        raise ValidationError(_("This report has already been dealt with."))
    return locked


def link_self_report(report: SelfReport, user, household: Household | None = None) -> SelfReport:
    """A lead verified: attach it to a household of the user's region and raise the warning.

    Without ``household`` the ID number is looked up again, for a person the cadre has since
    entered in the registry.
    """
    with transaction.atomic():
        report = _own_report(report, user)
        before = _snapshot(report)
        if household is None:
            member = match_member(report.id_number)
            if member is None and report.guardian_id_number:
                guardian = match_member(report.guardian_id_number)
                household = guardian.household if guardian else None
            else:
                household = member.household if member else None
                report.member = member
            if household is None:
                raise ValidationError(_("Nobody in the registry has this ID number yet."))
        if not Household.objects.restrict(user, HANDLE_SELFREPORT.name).filter(pk=household.pk).exists():
            raise ValidationError(_("That household is not in your region."))
        report.household = household
        report.region_code = household.region_code
        report.status = SelfReportStatus.WARNING
        report.closed_by, report.closed_at = user, timezone.now()
        report.warning = _signal(household, report)
        report.save()
        record_changes([make_change("update", report, before, after=_snapshot(report))])
    return report


def dismiss_self_report(report: SelfReport, user, reason: str) -> SelfReport:
    """A lead that needs nothing (a duplicate, a mistaken or mischievous report): closed, with the reason."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("A reason is required."))
    with transaction.atomic():
        report = _own_report(report, user)
        before = _snapshot(report)
        report.status = SelfReportStatus.DISMISSED
        report.closed_by, report.closed_at, report.close_reason = user, timezone.now(), reason
        report.save()
        record_changes([make_change("update", report, before, after=_snapshot(report))])
    return report


def reveal_phones(user, report: SelfReport) -> dict[str, str]:
    """The reporter's (and guardian's) full phone numbers, to call them back as promised; logged.

    The same action as a household's phones (``registry.reveal_phone``): no reason to type, ID
    numbers stay masked. Raises ``PermissionDenied`` unless the user may reveal phones here.
    """
    require(user, REVEAL_PHONE.name, report)
    phones = {"phone": report.phone or "", "guardian_phone": report.guardian_phone or ""}
    record_access(
        "reveal_phone", object_type="monitoring.selfreport", object_id=report.pk, object_repr=str(report),
        region_code=report.region_code, fields=",".join(name for name, value in phones.items() if value),
        user=user,
    )
    return phones
