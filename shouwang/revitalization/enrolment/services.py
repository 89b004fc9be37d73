"""Policy enrolments: recorded by hand, derived from department feeds and from assistance measures.

* **By hand** (:func:`record`, :func:`change`, :func:`remove`): staff of the household's region;
  each write is in the change log. Enrolments that came from a feed or a measure are changed at
  their source, not here.
* **Department feeds** (:func:`sync_from_feeds`): the rows of the beneficiary-list feed
  (``monitoring.feeds``, type ``policy``) name a policy by its code or name; each row whose policy
  is in the catalogue becomes an enrolment of that year (the row's date), pointing back at the
  row. A row whose policy is unknown is reported at the import, row by row, and stays in
  :func:`unknown_feed_rows` until the policy is added; nothing is dropped. Run after every feed
  commit (``wiring``) and on request.
* **Assistance measures** (:func:`sync_from_measures`): a measure recorded on a case whose type is
  the measure type a policy counts as is an enrolment in every year its period covers (a measure
  in place with no end date: every year from its start; a completed one without an end date: its
  start year). A person policy needs the measure's member.

Both derivations are set-based (``INSERT … SELECT`` of what is missing, one ``UPDATE`` of what
changed, one ``DELETE`` of what no longer holds, per policy): running them again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.db.models import BigIntegerField, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.assistance.models import Measure, MeasureStatus
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.bulk import column_defaults, column_of
from shouwang.core.permissions import can, require
from shouwang.monitoring.feeds.models import FeedSignal
from shouwang.registry.models import Household, Member

from ..policies.models import Policy
from .models import Enrolment, EnrolmentSource
from .permissions import RECORD_ENROLMENT

PERSON = "person"
MAX_NOTE = 500
HOUSEHOLDS_IN_LIST = 900


class EnrolmentInvalid(ValueError):
    """The enrolment cannot be recorded as given (HTTP 400); the message says why."""


# --- the policy's side -----------------------------------------------------------------------------


def is_person_policy(policy: Policy) -> bool:
    return str(getattr(policy, "subject", "")) == PERSON


def policy_names(policy: Policy) -> list[str]:
    """What a department's list may call the policy: its code and its names."""
    names = [getattr(policy, attr, "") for attr in ("code", "name_zh", "name_en", "name", "short_name")]
    return list(dict.fromkeys(str(n).strip() for n in names if n and str(n).strip()))


def _in_county(queryset: QuerySet, policy: Policy, field: str = "region_code") -> QuerySet:
    county = getattr(policy, "region_code", "") or ""
    return queryset.filter(**{f"{field}__startswith": county}) if county else queryset


def _measure_type_id(policy: Policy) -> int | None:
    return getattr(policy, "measure_type_id", None)


def unknown_policy_names(values: set[str], region: str | None) -> set[str]:
    """Of ``values`` (a feed's policy column), those no policy in force is called: the feed's check."""
    known: set[str] = set()
    policies = Policy.objects.all()
    if region:
        policies = policies.filter(Q(region_code="") | Q(region_code__in=_prefixes(region)))
    for policy in policies:
        known.update(policy_names(policy))
    return {v for v in values if v not in known}


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


# --- reading ---------------------------------------------------------------------------------------


def enrolments_for(user) -> QuerySet[Enrolment]:
    """The enrolments of the user's region, with what a list shows."""
    return (Enrolment.objects.restrict(user, "view")
            .select_related("policy", "household", "household__village", "member", "created_by"))


def unknown_feed_rows(user=None, region: str = "") -> QuerySet[FeedSignal]:
    """Beneficiary-list rows naming no policy of the catalogue: kept, waiting for the policy."""
    names = [n for policy in Policy.objects.all() for n in policy_names(policy)]
    rows = FeedSignal.objects.filter(kind=FeedSignal.Kind.POLICY_ENROLMENT).exclude(category__in=names)
    if user is not None:
        rows = rows.restrict(user, "view")
    if region:
        rows = rows.filter(region_code__startswith=region)
    return rows.select_related("household", "member", "batch").order_by("-date", "id")


# --- by hand ---------------------------------------------------------------------------------------


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise EnrolmentInvalid(_("The amount is not a number.")) from None
    if amount < 0:
        raise EnrolmentInvalid(_("The amount cannot be negative."))
    return amount


def _validate(policy: Policy, year: int, household: Household, member: Member | None,
              starts_on: date | None, ends_on: date | None) -> None:
    if not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise EnrolmentInvalid(_("The year is out of range."))
    county = getattr(policy, "region_code", "") or ""
    if county and not household.region_code.startswith(county):
        raise EnrolmentInvalid(_("The policy is not one of the household's county."))
    if member is not None and member.household_id != household.pk:
        raise EnrolmentInvalid(_("The member is not in this household."))
    if is_person_policy(policy) and member is None:
        raise EnrolmentInvalid(_("This policy is for a person: choose the member who receives it."))
    if not is_person_policy(policy) and member is not None:
        raise EnrolmentInvalid(_("This policy is for a household: leave the member empty."))
    if starts_on and ends_on and ends_on < starts_on:
        raise EnrolmentInvalid(_("The enrolment ends before it starts."))


def _snapshot(e: Enrolment) -> dict[str, Any]:
    return {"policy": getattr(e.policy, "code", e.policy_id), "year": e.year, "household": e.household_id,
            "member": e.member_id, "starts_on": e.starts_on and e.starts_on.isoformat(),
            "ends_on": e.ends_on and e.ends_on.isoformat(),
            "amount": None if e.amount is None else str(e.amount), "source": e.source, "note": e.note}


def record(user, *, policy: Policy, year: int, household: Household, member: Member | None = None,
           starts_on: date | None = None, ends_on: date | None = None, amount: Any = None,
           note: str = "") -> Enrolment:
    """Record an enrolment by hand; ``PermissionDenied`` outside the user's region or role,
    ``EnrolmentInvalid`` with the reason when the data do not fit."""
    require(user, RECORD_ENROLMENT.name, household)
    _validate(policy, year, household, member, starts_on, ends_on)
    enrolment = Enrolment(policy=policy, year=int(year), household=household, member=member, starts_on=starts_on,
                          ends_on=ends_on, amount=_amount(amount), source=EnrolmentSource.HAND,
                          note=" ".join((note or "").split())[:MAX_NOTE], created_by=user)
    with acting_unless_known(user, "revitalization"), transaction.atomic():
        enrolment.save()
        record_changes([Change(action="create", object_type="revitalization.enrolment", object_id=enrolment.pk,
                               object_repr=str(enrolment), region_code=enrolment.region_code,
                               after=_snapshot(enrolment))])
    return enrolment


def _editable(user, enrolment: Enrolment) -> None:
    require(user, RECORD_ENROLMENT.name, enrolment)
    if enrolment.source != EnrolmentSource.HAND:
        raise EnrolmentInvalid(_("This enrolment comes from a %(source)s: correct it there.") % {
            "source": enrolment.get_source_display()})


def may_edit(user, enrolment: Enrolment) -> bool:
    return enrolment.source == EnrolmentSource.HAND and can(user, RECORD_ENROLMENT.name, enrolment)


def change(enrolment: Enrolment, user, *, policy: Policy, year: int, member: Member | None = None,
           starts_on: date | None = None, ends_on: date | None = None, amount: Any = None,
           note: str = "") -> Enrolment:
    """Correct an enrolment entered by hand (the household stays)."""
    _editable(user, enrolment)
    _validate(policy, year, enrolment.household, member, starts_on, ends_on)
    before = _snapshot(enrolment)
    enrolment.policy, enrolment.year, enrolment.member = policy, int(year), member
    enrolment.starts_on, enrolment.ends_on, enrolment.amount = starts_on, ends_on, _amount(amount)
    enrolment.note = " ".join((note or "").split())[:MAX_NOTE]
    with acting_unless_known(user, "revitalization"), transaction.atomic():
        enrolment.save()
        record_changes([Change(action="update", object_type="revitalization.enrolment", object_id=enrolment.pk,
                               object_repr=str(enrolment), region_code=enrolment.region_code, before=before,
                               after=_snapshot(enrolment))])
    return enrolment


def remove(enrolment: Enrolment, user) -> None:
    """Remove an enrolment entered by hand (a mistake), in the change log."""
    _editable(user, enrolment)
    before = _snapshot(enrolment)
    pk, region, text = enrolment.pk, enrolment.region_code, str(enrolment)
    with acting_unless_known(user, "revitalization"), transaction.atomic():
        enrolment.delete()
        record_changes([Change(action="delete", object_type="revitalization.enrolment", object_id=pk,
                               object_repr=text, region_code=region, before=before)])


# --- derived: the writes -----------------------------------------------------------------------

# The columns a derivation selects, in this order; the rest are constants.
_DERIVED = ("policy", "year", "household", "member", "region_code", "starts_on", "ends_on", "amount",
            "feed_signal", "measure")


def _insert_select(rows: QuerySet, source: str) -> int:
    """``INSERT INTO enrolment (…) SELECT …`` of ``rows`` (a ``values_list`` in ``_DERIVED`` order)."""
    connection = connections[Enrolment.objects.db]
    q = connection.ops.quote_name
    given = {"source": Enrolment._meta.get_field("source").get_db_prep_save(source, connection)}
    constants = given | column_defaults(Enrolment, [*_DERIVED, *given], connection)
    columns = ", ".join(q(column_of(Enrolment._meta.get_field(name))) for name in (*_DERIVED, *constants))
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {q(Enrolment._meta.db_table)} ({columns}) "
                       f"SELECT c.*{', %s' * len(constants)} FROM ({sql}) c", [*constants.values(), *params])
        return max(cursor.rowcount, 0)


def _differs(mine: str, theirs: str) -> Q:
    """The two columns differ, NULL being a value like any other."""
    return ((Q(**{f"{mine}__isnull": False, f"{theirs}__isnull": False}) & ~Q(**{mine: F(theirs)}))
            | Q(**{f"{mine}__isnull": True, f"{theirs}__isnull": False})
            | Q(**{f"{mine}__isnull": False, f"{theirs}__isnull": True}))


def _null(field) -> Any:
    """NULL typed as ``field``'s column (a foreign key's: its target's)."""
    return Cast(Value(None), output_field=BigIntegerField() if field.is_relation else field.__class__())


# --- derived: department feeds -------------------------------------------------------------------


def sync_from_feeds(household_ids: Iterable[int] | None = None, *, region: str = "") -> dict[str, int]:
    """Make the enrolments of the beneficiary-list rows (of ``household_ids`` or ``region``) match them.

    Returns counts: ``created``, ``updated``, ``removed`` and ``unknown`` (rows naming no policy).
    """
    signals = FeedSignal.objects.filter(kind=FeedSignal.Kind.POLICY_ENROLMENT)
    if household_ids is not None:
        ids = list(household_ids)
        # A big commit: derive every row (the same result, and no IN list over the database's limit).
        if len(ids) <= HOUSEHOLDS_IN_LIST:
            signals = signals.filter(household_id__in=ids)
    if region:
        signals = signals.filter(region_code__startswith=region)
    derived = Enrolment.objects.filter(source=EnrolmentSource.FEED, feed_signal__in=signals.values("pk"))
    counts = {"created": 0, "updated": 0, "removed": 0}
    if not signals.exists():  # another feed's commit: nothing to derive
        return counts | {"unknown": 0}
    all_names: list[str] = []
    member_field = Enrolment._meta.get_field("member")
    measure_field = Enrolment._meta.get_field("measure")
    with transaction.atomic():
        for policy in Policy.objects.order_by("pk"):
            names = policy_names(policy)
            all_names += names
            matching = _in_county(signals.filter(category__in=names), policy)
            # Rows corrected to another policy (or out of its county) no longer count for this one.
            stale = derived.filter(policy=policy).exclude(feed_signal__in=matching.values("pk"))
            counts["removed"] += stale.delete()[0]
            person = is_person_policy(policy)
            if person:
                matching = matching.filter(member__isnull=False)
            yearly = matching.annotate(
                p=Value(policy.pk), y=ExtractYear("date"),
                m=F("member_id") if person else _null(member_field),
                e=_null(Enrolment._meta.get_field("ends_on")), me=_null(measure_field),
            )
            stored = Enrolment.objects.filter(feed_signal=OuterRef("pk"), policy=policy)
            missing = yearly.exclude(Exists(stored)).order_by("pk").values_list(
                "p", "y", "household_id", "m", "region_code", "date", "e", "amount", "pk", "me")
            counts["created"] += _insert_select(missing, EnrolmentSource.FEED)
            # Corrected amounts and dates (a re-exported month) follow their row.
            row = FeedSignal.objects.filter(pk=OuterRef("feed_signal_id"))
            changed = derived.filter(policy=policy).filter(
                _differs("amount", "feed_signal__amount") | ~Q(starts_on=F("feed_signal__date")))
            counts["updated"] += changed.update(
                amount=Subquery(row.values("amount")), starts_on=Subquery(row.values("date")),
                year=ExtractYear(Subquery(row.values("date"), output_field=DateField())), updated_at=timezone.now())
    counts["unknown"] = signals.exclude(category__in=all_names).count()
    return counts


# --- derived: assistance measures ----------------------------------------------------------------

COUNTED_STATUSES = (MeasureStatus.ACTIVE, MeasureStatus.DONE, MeasureStatus.STOPPED)


def measures_for_year(year: int) -> QuerySet[Measure]:
    """Measures given in ``year``: started by its end, and not ended before it begins (see the module)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    started = Coalesce("starts_on", "recorded_on", Cast("created_at", output_field=DateField()))
    return Measure.objects.filter(status__in=COUNTED_STATUSES).annotate(began=started).filter(
        Q(began__lte=last),
        Q(ends_on__gte=first) | Q(ends_on__isnull=True, status=MeasureStatus.ACTIVE)
        | Q(ends_on__isnull=True, began__gte=first),
    )


def sync_from_measures(year: int, *, region: str = "", measure_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Make the enrolments of ``year`` derived from measures (in ``region``) match the measures."""
    counts = {"created": 0, "updated": 0, "removed": 0, "without_member": 0}
    measures = measures_for_year(year)
    derived = Enrolment.objects.filter(source=EnrolmentSource.MEASURE, year=year)
    if region:
        measures, derived = measures.filter(region_code__startswith=region), derived.filter(
            region_code__startswith=region)
    if measure_ids is not None:
        ids = list(measure_ids)
        measures, derived = measures.filter(pk__in=ids), derived.filter(measure_id__in=ids)
    member_field = Enrolment._meta.get_field("member")
    policies = Policy.objects.order_by("pk")
    if measure_ids is not None:  # only the policies these measures count for, or did
        types = Measure.objects.filter(pk__in=ids).values("measure_type_id")
        policies = policies.filter(Q(measure_type_id__in=types) | Q(enrolments__measure_id__in=ids)).distinct()
    with transaction.atomic():
        for policy in policies:
            type_id = _measure_type_id(policy)
            mine = derived.filter(policy=policy)
            if type_id is None:
                counts["removed"] += mine.delete()[0]
                continue
            matching = _in_county(measures.filter(measure_type_id=type_id), policy)
            person = is_person_policy(policy)
            if person:
                counts["without_member"] += matching.filter(member__isnull=True).count()
                matching = matching.filter(member__isnull=False)
            counts["removed"] += mine.exclude(measure__in=matching.values("pk")).delete()[0]
            stored = Enrolment.objects.filter(measure=OuterRef("pk"), policy=policy, year=year)
            missing = matching.exclude(Exists(stored)).annotate(
                p=Value(policy.pk), y=Value(year),
                m=F("member_id") if person else _null(member_field),
                fs=_null(Enrolment._meta.get_field("feed_signal")),
            ).order_by("pk").values_list("p", "y", "case__household_id", "m", "region_code", "began", "ends_on",
                                         "amount", "fs", "pk")
            counts["created"] += _insert_select(missing, EnrolmentSource.MEASURE)
            row = Measure.objects.filter(pk=OuterRef("measure_id"))
            changed = mine.filter(_differs("amount", "measure__amount") | _differs("ends_on", "measure__ends_on"))
            counts["updated"] += changed.update(amount=Subquery(row.values("amount")),
                                                ends_on=Subquery(row.values("ends_on")), updated_at=timezone.now())
    return counts


def measure_years(measure: Measure, today: date | None = None) -> list[int]:
    """The years a measure's enrolments may fall in (for refreshing one measure after it is saved)."""
    today = today or timezone.localdate()
    began = measure.starts_on or measure.recorded_on or today
    end = measure.ends_on or (today if measure.status == MeasureStatus.ACTIVE else began)
    return list(range(began.year, max(began.year, end.year) + 1))


def may_sync(user) -> bool:
    return can(user, "revitalization.sync_enrolments")


def sync_all(user, year: int, region: str) -> dict[str, dict[str, int]]:
    """The button: both derivations over the user's region for ``year`` (feeds: every year)."""
    if not may_sync(user):
        raise PermissionDenied(_("Only county officers may derive enrolments again."))
    return {"feeds": sync_from_feeds(region=region), "measures": sync_from_measures(year, region=region)}
