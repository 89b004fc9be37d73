"""Assistance actions on a case: adding a measure (帮扶措施) and an assistance contact (帮扶联系人).

Measures may be recorded from county approval on; a case with a natural-disaster risk (YZRZH or a
sub-item) may receive them before (green channel), and such measures and the case carry
``green_channel``. The procedure engine (``shouwang.cases.procedure.engine``) runs these
actions inside its transaction, after its own checks. A measure that started before the day it
is recorded is a late entry (补录) and needs the reason (``perform(..., late_reason=...)``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.cases.catalogue.models import MeasureType
from shouwang.cases.procedure.audit import record
from shouwang.cases.procedure.context import ActionContext, require_permitted, set_case
from shouwang.cases.procedure.lateentry import late_entry_data, late_entry_reason
from shouwang.cases.procedure.refusals import InvalidData, NotAllowedNow

from .models import AssistanceContact, Measure, MeasureStatus
from .sources import contact_source


def measures_allowed(case: Case) -> tuple[bool, bool]:
    """(allowed, green channel): after county approval, or before it on a disaster case."""
    if case.status in (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED):
        return True, False
    if case.status == CaseStatus.IDENTIFYING:
        if case.identified_on is not None:
            return True, False
        if case.has_disaster_risk():
            return True, True
    return False, False


# --- checks (the engine runs them before the action and to offer its button) ---------------

def check_add_measure(ctx: ActionContext) -> None:
    require_permitted(ctx, "cases.add_measure")
    allowed, _green = measures_allowed(ctx.case)
    if not allowed:
        raise NotAllowedNow(_(
            "Measures are recorded after county approval, or before it only for a natural-disaster risk "
            "(green channel)."))


def check_add_contact(ctx: ActionContext) -> None:
    require_permitted(ctx, "cases.add_contact")
    if ctx.case.status == CaseStatus.REJECTED:
        raise NotAllowedNow(_("The case was not included."))


# --- the actions ----------------------------------------------------------------------------

def _date(value: Any, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise InvalidData(_("%(field)s is not a date.") % {"field": label})
    return parsed


def add_measure(ctx: ActionContext) -> None:
    case, d = ctx.case, ctx.data
    _allowed, green = measures_allowed(case)
    code = d.get("measure_type")
    measure_type = MeasureType.objects.filter(code=getattr(code, "code", code), active=True).first()
    if measure_type is None:
        raise InvalidData(_("Choose a measure type from the catalogue."))
    member = None
    if d.get("member"):
        member = case.household.members.filter(pk=getattr(d["member"], "pk", d["member"])).first()
        if member is None:
            raise InvalidData(_("The member is not in this household."))
    amount = d.get("amount")
    if amount not in (None, ""):
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            raise InvalidData(_("The amount is not a number.")) from None
        if amount < 0:
            raise InvalidData(_("The amount cannot be negative."))
    else:
        amount = None
    status = d.get("status") or MeasureStatus.PLANNED
    if status not in MeasureStatus.values:
        raise InvalidData(_("Unknown measure status “%(status)s”.") % {"status": status})
    starts_on, ends_on = _date(d.get("starts_on"), _("Start")), _date(d.get("ends_on"), _("End"))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidData(_("The measure ends before it starts."))
    recorded_on = ctx.recorded_on or ctx.today
    late = late_entry_reason(starts_on, recorded_on, ctx.late_reason, what=_("The measure's start date"))
    measure = Measure(
        case=case, measure_type=measure_type, member=member, description=str(d.get("description") or "")[:2000],
        responsible_unit=str(d.get("responsible_unit") or "")[:200],
        responsible_person=str(d.get("responsible_person") or "")[:60], starts_on=starts_on, ends_on=ends_on,
        amount=amount, funding_source=str(d.get("funding_source") or "")[:200], status=status, green_channel=green,
        created_by=ctx.user, recorded_on=recorded_on, late_reason=late,
    )
    measure.save()
    if green and not case.green_channel:
        set_case(case, green_channel=True)
    data: dict[str, Any] = {"measure": measure.pk, "measure_type": measure_type.code, "green_channel": green}
    data |= late_entry_data(starts_on, recorded_on, late)
    record(case, ctx.user, ctx.level, "add_measure", case.status, case.status, procedure=ctx.procedure,
           reason=ctx.reason, data=data, files=ctx.files, at=ctx.moment)


def add_contact(ctx: ActionContext) -> None:
    """Record a contact typed in, or (``register_key``) the register's person: their name, unit,
    position and phone come from the register (``sources``), which is then told of the contact."""
    d = dict(ctx.data)
    key = str(d.get("register_key") or "")
    source = contact_source() if key else None
    if key:
        person = source.person(ctx.user, ctx.case, key) if source is not None else None
        if person is None:
            raise InvalidData(_("The person picked is not in the register of this case's village or township."))
        d |= {"name": person.name, "unit": person.unit, "position": person.position, "phone": person.phone}
    name = str(d.get("name") or "").strip()[:60]
    if not name:
        raise InvalidData(_("The contact's name is required."))
    starts_on, ends_on = _date(d.get("starts_on"), _("From")), _date(d.get("ends_on"), _("To"))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidData(_("The contact's period ends before it starts."))
    contact = AssistanceContact(
        case=ctx.case, name=name, unit=str(d.get("unit") or "")[:200], position=str(d.get("position") or "")[:100],
        starts_on=starts_on or ctx.today, ends_on=ends_on, created_by=ctx.user,
    )
    contact.set_phone(str(d.get("phone") or "").strip())
    contact.save()
    if source is not None:
        source.link(contact, key, ctx.user)
    record(ctx.case, ctx.user, ctx.level, "add_contact", ctx.case.status, ctx.case.status,
           procedure=ctx.procedure, reason=ctx.reason,
           data={"contact": contact.pk, "name": name, "phone": contact.phone_masked,
                 **({"register_person": key} if key else {})}, files=ctx.files,
           at=ctx.moment)
