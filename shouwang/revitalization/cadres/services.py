"""The cadre register's rules: saving people, days in the village and trainings (each change in the
change log), the households each assistance contact holds, and the register's checks.

The checks, and what they count:

* **households per contact**: the distinct households whose *open* case (being identified, risk
  not eliminated, elimination in progress) has a current assistance contact (``starts_on`` ≤ the
  day ≤ ``ends_on``, open ends counting) linked to the register's person (``ContactLink``: written
  when the case page picks the person from the register, or matched by :func:`link_contacts`).
  A contact holding more than the county's ``max_households_per_contact`` is listed.
* **days in the village**: a first secretary's days are recorded per month (``Attendance``). The
  county sets the days owed per *year* (``min_days_per_year``, 220 by default); for a term that
  covers only part of the year, and for the year still running, the days owed are that share of
  it: ``ceil(min_days × days of the year covered by the term up to the day / days in the year)``,
  and the recorded days of the year's months up to that day's month are set against it. A first
  secretary with fewer is flagged.
* **first secretaries in term** (:func:`first_secretaries_in_term`), which the village profiles
  use for their key-village check.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _

from shouwang.cases.assistance.models import AssistanceContact
from shouwang.cases.assistance.sources import ContactPerson, ContactSource
from shouwang.cases.casefiles.models import CaseStatus
from shouwang.core.audit import Change, acting_unless_known, record_access, record_changes
from shouwang.core.permissions import require, restrict
from shouwang.core.regioncodes import level_of

from .models import Attendance, Cadre, CadreKind, CadreSettings, ContactLink, Training, TrainingAttendance
from .permissions import EDIT_CADRES, EDIT_SETTINGS, EDIT_TRAININGS, RECORD_ATTENDANCE, UNMASK_CADRE, VIEW_CADRES

CADRE_FIELDS = ("kind", "name", "sex", "birth_year", "id_masked", "phone_masked", "unit", "position",
                "talent_type", "term_start", "term_end", "notes", "region_code")
_JSON_TYPES = (str, int, bool, dict, list, type(None))


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields as the change log keeps them (personal numbers only masked)."""
    data = {name: getattr(obj, name) for name in fields}
    return {k: (v if isinstance(v, _JSON_TYPES) else str(v)) for k, v in data.items()}


def _acting(user: Any):
    return acting_unless_known(user, "revitalization.cadres")


# --- the register ---------------------------------------------------------------------------------

def save_cadre(cadre: Cadre, user: Any) -> Cadre:
    """Validate and save a register person (new or changed), logging before and after.

    The person's village must lie in the user's region (and so must the old one, for a change).
    """
    if not cadre.region_code or level_of(cadre.region_code) not in ("village", "township"):
        raise ValidationError({"region_code": _("Choose the village or township the person serves.")})
    if cadre.term_start and cadre.term_end and cadre.term_end < cadre.term_start:
        raise ValidationError({"term_end": _("The term ends before it starts.")})
    if cadre.kind == CadreKind.FIRST_SECRETARY and cadre.term_start is None:
        raise ValidationError({"term_start": _("A first secretary's term needs its start.")})
    if cadre.kind != CadreKind.TALENT:
        cadre.talent_type = ""
    require(user, EDIT_CADRES.name, cadre.region_code)
    with transaction.atomic(), _acting(user):
        before = None
        if cadre.pk:
            old = Cadre.objects.select_for_update().get(pk=cadre.pk)
            require(user, EDIT_CADRES.name, old)
            before = _snapshot(old, CADRE_FIELDS)
        elif cadre.created_by_id is None and getattr(user, "pk", None):
            cadre.created_by = user
        cadre.save()
        after = _snapshot(cadre, CADRE_FIELDS)
        if before != after:
            record_changes([Change(
                action="update" if before else "create", object_type="revitalization.cadre", object_id=cadre.pk,
                object_repr=cadre.name, region_code=cadre.region_code, before=before, after=after,
            )])
    return cadre


def unmask(user: Any, cadre: Cadre, reason: str) -> dict[str, str]:
    """The person's clear ID and phone numbers, for a user with the grant and a reason (logged)."""
    require(user, UNMASK_CADRE.name, cadre)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("A reason is required."))
    record_access("unmask", object_type="revitalization.cadre", object_id=cadre.pk, object_repr=cadre.name,
                  region_code=cadre.region_code, fields="id_number,phone", reason=reason[:500], user=user)
    return {"id_number": cadre.id_number or "", "phone": cadre.phone or ""}


# --- days in the village ------------------------------------------------------------------------------

def record_attendance(cadre: Cadre, month: date, days: int, user: Any, note: str = "") -> Attendance:
    """Set the days a resident cadre spent in the village in ``month`` (replacing an earlier entry)."""
    require(user, RECORD_ATTENDANCE.name, cadre)
    if cadre.kind not in CadreKind.resident():
        raise ValidationError(_("Days in the village are recorded for first secretaries and work-team members."))
    month = month.replace(day=1)
    length = calendar.monthrange(month.year, month.month)[1]
    if not 0 <= days <= length:
        raise ValidationError({"days": _("A month has at most %(n)d days.") % {"n": length}})
    if (cadre.term_start and month < cadre.term_start.replace(day=1)) or (cadre.term_end and month > cadre.term_end):
        raise ValidationError({"month": _("The month lies outside the person's term.")})
    with transaction.atomic(), _acting(user):
        row = Attendance.objects.select_for_update().filter(cadre=cadre, month=month).first()
        before = {"month": month.isoformat(), "days": row.days} if row else None
        if row is None:
            row = Attendance(cadre=cadre, month=month, days=days)
        row.days, row.note = days, note[:200]
        row.recorded_by = user if getattr(user, "pk", None) else None
        row.save()
        after = {"month": month.isoformat(), "days": days}
        if before != after:
            record_changes([Change(
                action="update" if before else "create", object_type="revitalization.attendance",
                object_id=row.pk, object_repr=f"{cadre.name} {month:%Y-%m}", region_code=cadre.region_code,
                before=before, after=after,
            )])
    return row


def required_days(cadre: Cadre, year: int, on: date, min_days_per_year: int) -> int:
    """The days owed in ``year`` up to ``on``: the year's minimum, in the share of the year that the
    term covers up to that day (see the module's docstring)."""
    first, last = date(year, 1, 1), min(on, date(year, 12, 31))
    start = max(first, cadre.term_start or first)
    end = min(last, cadre.term_end or last)
    if end < start:
        return 0
    covered = (end - start).days + 1
    length = 366 if calendar.isleap(year) else 365
    return math.ceil(min_days_per_year * covered / length)


@dataclass
class Shortfall:
    cadre: Cadre
    recorded: int
    required: int

    @property
    def missing(self) -> int:
        return self.required - self.recorded


def attendance_shortfalls(cadres: QuerySet[Cadre], year: int, on: date) -> list[Shortfall]:
    """First secretaries of ``cadres`` whose recorded days of ``year`` (months up to ``on``) fall
    short of what they owe by then, each county by its own minimum."""
    last = min(on, date(year, 12, 31))
    in_year = Q(attendances__month__gte=date(year, 1, 1), attendances__month__lte=last)
    rows = (cadres.filter(kind=CadreKind.FIRST_SECRETARY)
            .filter(Q(term_start__isnull=True) | Q(term_start__lte=last),
                    Q(term_end__isnull=True) | Q(term_end__gte=date(year, 1, 1)))
            .annotate(recorded=Coalesce(Sum("attendances__days", filter=in_year), Value(0),
                                        output_field=IntegerField()))
            .order_by("region_code", "name", "pk"))
    minimum: dict[str, int] = {}
    found = []
    for cadre in rows:
        county = cadre.region_code[:6]
        if county not in minimum:
            minimum[county] = CadreSettings.for_region(county).min_days_per_year
        owed = required_days(cadre, year, on, minimum[county])
        if cadre.recorded < owed:
            found.append(Shortfall(cadre=cadre, recorded=cadre.recorded, required=owed))
    return found


# --- contacts and their households ---------------------------------------------------------------

def _current_open(on: date, prefix: str = "contact_links__contact__") -> Q:
    return (Q(**{f"{prefix}case__status__in": CaseStatus.open()})
            & (Q(**{f"{prefix}starts_on__isnull": True}) | Q(**{f"{prefix}starts_on__lte": on}))
            & (Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on})))


def with_households_held(cadres: QuerySet[Cadre], on: date) -> QuerySet[Cadre]:
    """``households_held``: distinct households whose open case has this person as a current contact."""
    return cadres.annotate(households_held=Count("contact_links__contact__case__household",
                                                 filter=_current_open(on), distinct=True))


MOST_HELD_FIRST = ("-households_held", "region_code", "name")


def overloaded_contacts(cadres: QuerySet[Cadre], on: date) -> QuerySet[Cadre]:
    """Assistance contacts holding more households than their county's limit (each county its own)."""
    contacts = with_households_held(cadres.filter(kind=CadreKind.CONTACT), on)
    counties = sorted(set(cadres.filter(kind=CadreKind.CONTACT)
                          .annotate(county=Substr("region_code", 1, 6)).values_list("county", flat=True)))
    over = Q(pk__in=[])
    for county in counties:
        limit = CadreSettings.for_region(county).max_households_per_contact
        over |= Q(region_code__startswith=county, households_held__gt=limit)
    return contacts.filter(over).order_by(*MOST_HELD_FIRST)


def link_contacts(cadres: QuerySet[Cadre], user: Any = None) -> int:
    """Link the cases' assistance contacts not yet linked to the register's contact of the same name
    in the same township, where exactly one such person is registered (a typed contact recorded
    before the register, or without picking from it). Returns how many were linked."""
    people: dict[tuple[str, str], list[int]] = {}
    for pk, name, region in cadres.filter(kind=CadreKind.CONTACT).values_list("pk", "name", "region_code"):
        people.setdefault((region[:9], name.strip()), []).append(pk)
    townships = sorted({t for t, _n in people})
    if not townships:
        return 0
    region_q = Q()
    for township in townships:
        region_q |= Q(region_code__startswith=township)
    unlinked = AssistanceContact.objects.filter(region_q, register_link__isnull=True).values_list(
        "pk", "name", "region_code")
    links = []
    for pk, name, region in unlinked.iterator(chunk_size=2000):
        match = people.get((region[:9], name.strip()))
        if match and len(match) == 1:
            links.append(ContactLink(cadre_id=match[0], contact_id=pk))
    with transaction.atomic(), _acting(user):
        ContactLink.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
        if links:
            record_changes([Change(action="create", object_type="revitalization.contactlink", object_id=None,
                                   object_repr=_("assistance contacts matched by name"),
                                   after={"linked": len(links)})])
    return len(links)


def first_secretaries_in_term(region: str, on: date) -> QuerySet[Cadre]:
    """The first secretaries whose term covers ``on`` in villages under ``region`` (a code prefix)."""
    return Cadre.objects.filter(kind=CadreKind.FIRST_SECRETARY, region_code__startswith=region).in_term(on)


# --- the contact form of the case pages (cases.assistance.sources) ------------------------------------

CONTACT_KINDS = (CadreKind.CONTACT, CadreKind.FIRST_SECRETARY, CadreKind.TEAM_MEMBER, CadreKind.VILLAGE_OFFICIAL)


def _offered(user: Any, case: Any) -> QuerySet[Cadre]:
    """The register's people a case may take as contact: of its village, or of its township as a
    whole (a township cadre), in term, visible to the user."""
    village = case.region_code
    on = date.today()
    return (restrict(user, Cadre.objects.filter(kind__in=CONTACT_KINDS), VIEW_CADRES.name)
            .filter(Q(region_code=village) | Q(region_code=village[:9]))
            .in_term(on).order_by("kind", "name", "pk"))


def _person(cadre: Cadre) -> ContactPerson:
    label = " · ".join(p for p in (cadre.name, str(cadre.get_kind_display()), cadre.unit, cadre.phone_masked) if p)
    return ContactPerson(key=str(cadre.pk), label=label, name=cadre.name, unit=cadre.unit,
                         position=cadre.position or str(cadre.get_kind_display()), phone=cadre.phone or "")


def _people(user: Any, case: Any) -> list[ContactPerson]:
    return [_person(c) for c in _offered(user, case)[:500]]


def _one(user: Any, case: Any, key: str) -> ContactPerson | None:
    if not str(key).isdigit():
        return None
    cadre = _offered(user, case).filter(pk=int(key)).first()
    return _person(cadre) if cadre else None


def _link(contact: AssistanceContact, key: str, user: Any) -> None:
    ContactLink.objects.update_or_create(contact=contact, defaults={"cadre_id": int(key)})


CONTACT_SOURCE = ContactSource(people=_people, person=_one, link=_link)


# --- trainings ------------------------------------------------------------------------------------

def save_training(training: Training, user: Any) -> Training:
    require(user, EDIT_TRAININGS.name, training.region_code)
    if training.ends_on and training.ends_on < training.starts_on:
        raise ValidationError({"ends_on": _("The training ends before it starts.")})
    with transaction.atomic(), _acting(user):
        before = None
        if training.pk:
            old = Training.objects.select_for_update().get(pk=training.pk)
            require(user, EDIT_TRAININGS.name, old)
            before = _snapshot(old, ("title", "topic", "organiser", "place", "starts_on", "ends_on", "hours"))
        elif getattr(user, "pk", None):
            training.created_by = user
        training.save()
        after = _snapshot(training, ("title", "topic", "organiser", "place", "starts_on", "ends_on", "hours"))
        if before != after:
            record_changes([Change(action="update" if before else "create", object_type="revitalization.training",
                                   object_id=training.pk, object_repr=training.title,
                                   region_code=training.region_code, before=before, after=after)])
    return training


def set_training_attendance(training: Training, attended: dict[int, bool], user: Any) -> int:
    """Record who of the register took part (``attended``: cadre id → attended). Only people the
    user may see, in the training's region, are taken. Returns the rows written."""
    require(user, EDIT_TRAININGS.name, training)
    people = {c.pk: c for c in restrict(user, Cadre.objects.filter(
        pk__in=list(attended), region_code__startswith=training.region_code), VIEW_CADRES.name)}
    if set(attended) - set(people):
        raise PermissionDenied(_("A person listed is not in the training's region."))
    with transaction.atomic(), _acting(user):
        existing = {a.cadre_id: a for a in TrainingAttendance.objects.filter(training=training, cadre_id__in=people)}
        changes = []
        for pk, present in attended.items():
            row = existing.get(pk)
            if row is not None and row.attended == present:
                continue
            before = {"attended": row.attended} if row else None
            if row is None:
                row = TrainingAttendance(training=training, cadre=people[pk])
            row.attended = present
            row.save()
            changes.append(Change(action="update" if before else "create",
                                  object_type="revitalization.trainingattendance", object_id=row.pk,
                                  object_repr=f"{training.title}: {people[pk].name}",
                                  region_code=row.region_code, before=before, after={"attended": present}))
        if changes:
            record_changes(changes)
    return len(changes)


def training_counts(trainings: QuerySet[Training]) -> QuerySet[Training]:
    return trainings.annotate(invited=Count("attendances"),
                              present=Count("attendances", filter=Q(attendances__attended=True)))


# --- the county's settings -------------------------------------------------------------------------

def save_settings(county: str, user: Any, *, max_households_per_contact: int, min_days_per_year: int) -> CadreSettings:
    require(user, EDIT_SETTINGS.name, county)
    if level_of(county) != "county":
        raise ValidationError(_("The register's limits are set per county."))
    if not 1 <= min_days_per_year <= 366 or max_households_per_contact < 1:
        raise ValidationError(_("Enter a limit of at least one household and at most 366 days."))
    with transaction.atomic(), _acting(user):
        row = CadreSettings.objects.select_for_update().filter(region_code=county).first()
        before = _snapshot(row, ("max_households_per_contact", "min_days_per_year")) if row else None
        row = row or CadreSettings(region_code=county)
        row.max_households_per_contact = max_households_per_contact
        row.min_days_per_year = min_days_per_year
        row.save()
        after = _snapshot(row, ("max_households_per_contact", "min_days_per_year"))
        if before != after:
            record_changes([Change(action="update" if before else "create",
                                   object_type="revitalization.cadresettings", object_id=row.pk,
                                   object_repr=county, region_code=county, before=before, after=after)])
    return row
