"""Committing an import: the planned :class:`.planning.Writes` in raw bulk statements (never
``save()`` per row), recorded in the change log with personal data masked: a household the import
creates is one entry, its members and years in its snapshot (``after["members"]``,
``after["years"]``: the one change that made them); every other created or updated object is an
entry of its own.

Part of :class:`.importer.RegistryImport`; :meth:`RegistryCommit.write_planned` runs, a chunk of
households at a time, inside the transaction that :meth:`.importer.RegistryImport._finish` opens.
Other importers call it the same way (see :mod:`.planning`): :meth:`RegistryCommit.start_writing`
once, then ``write_planned(writes, plans)`` for each planned chunk. Afterwards ``household_ids``
maps the number of every household of the import (created, changed or unchanged) to its id and,
when ``collect_member_ids`` is set, ``member_ids`` maps (household number, member key) to the
member's id (the key is :attr:`.rows.MemberRow.key`: blind index, or ``name:`` and the name).
Each household written, or found unchanged under another digest, gets the plan's digest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.core import crypto
from shouwang.core.audit import Change, record_changes
from shouwang.core.bulk import insert_rows, reserve_ids, write_staged

from ..households.audit import EXCLUDED, snapshot_fields
from ..households.models import (
    HOUSEHOLD_BULK_FIELDS,
    MEMBER_BULK_FIELDS,
    YEAR_BULK_FIELDS,
    Household,
    HouseholdYear,
    Member,
)
from .planning import Writes
from .rows import YEAR_AMOUNTS, HouseholdPlan, MemberRow, _chunks, index_lookups

LOG_FLUSH = 5000  # change-log entries written at a time


class RegistryCommit:
    """The writing part of :class:`.importer.RegistryImport`."""

    collect_member_ids: bool = False

    def start_writing(self, total: int = 0) -> None:
        """Before the first :meth:`write_planned` of a commit (``total``: households, for progress)."""
        self.household_ids: dict[str, int] = {}
        self.member_ids: dict[tuple[str, str], int] = {}
        self.changed_ids: list[int] = []  # households created or changed
        self.changed_years: set[int] = set()  # the income years written for them
        self._stamp = Household._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
        self._written = 0
        self._total = total
        self.writing = True

    def write_planned(self, writes: Writes, plans: Sequence[HouseholdPlan]) -> None:
        """Write one planned chunk: ``writes`` as :meth:`.planning.RegistryPlanning.plan_households`
        returned it for ``plans``. Their members and years are released afterwards (only
        ``number``, ``existing``, ``changed`` and ``digest`` are kept).

        Everything is worked out before the new rows are sent (ids reserved, rows built, the change
        log written), and they are sent last: inside :func:`shouwang.core.bulk.background_inserts`
        the rows of the chunk before are moved into their tables meanwhile, and these are while the
        next chunk is planned and checked."""
        stamp = self._stamp
        changes: list[Change] = []

        def flush_changes(force: bool = False) -> None:
            if changes and (force or len(changes) >= LOG_FLUSH):
                record_changes(changes)
                changes.clear()

        # Every new row gets its id now, in one go: nothing is read back.
        household_pks = reserve_ids(Household, len(writes.new_households))
        member_pks = reserve_ids(Member, len(writes.new_members))
        year_pks = reserve_ids(HouseholdYear, len(writes.new_years))
        for values, pk in zip(writes.new_households, household_pks, strict=True):
            values["id"] = pk
        household_ids = self.household_ids
        created = {values["number"]: values["id"] for values in writes.new_households}
        for plan in plans:
            pk = plan.existing["id"] if plan.existing else created.get(plan.number)
            if pk is None:
                continue
            household_ids[plan.number] = pk
            if plan.changed:
                self.changed_ids.append(pk)
                self.changed_years.update(entry.year for entry in plan.years if entry.year is not None)
        household_fields, household_rows = self._household_rows(writes.new_households)
        member_rows = self._member_rows(writes.new_members, member_pks)
        year_rows = self._year_rows(writes.new_years, year_pks)

        # rows changed
        self._update(Household, writes.changed_households, stamp, changes, flush_changes)
        if writes.digests:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {_quote(Household._meta.db_table)} SET {_quote('import_digest')} = %s "
                    f"WHERE {_quote('id')} = %s",
                    [(digest, pk) for pk, digest in writes.digests],
                )
        for household_id, region_code in writes.moved_households:
            Member.objects.filter(household_id=household_id).update(region_code=region_code)
            HouseholdYear.objects.filter(household_id=household_id).update(region_code=region_code)
        self._update(Member, writes.changed_members, stamp, changes, flush_changes)
        self._update(HouseholdYear, writes.changed_years, stamp, changes, flush_changes)
        if self.collect_member_ids:
            member_ids = self.member_ids
            for number, member, new in writes.new_members:
                member_ids[(number, member.key)] = new["id"]
            for number, key, pk in writes.member_ids:
                member_ids[(number, key)] = pk
            self._read_trusted_member_ids(plans)

        # the change log: a new household's entry gathers its new members and years
        new_entries: dict[int, Change] = {}
        for values in writes.new_households:  # the rows are built: their values become the snapshots
            entry = new_entries[values["id"]] = _change("create", Household, values, None, None)
            entry.after = _snapshot_in_place(Household, values) | {"members": [], "years": []}
        for model, key, news in (
            (Member, "members", (new for _number, _member, new in writes.new_members)),
            (HouseholdYear, "years", (new for _number, new in writes.new_years)),
        ):
            for new in news:
                entry = new_entries.get(new["household_id"])
                if entry is None:
                    changes.append(_change("create", model, new, None, new))
                    flush_changes()
                else:
                    entry.after[key].append(_snapshot_in_place(model, new))  # type: ignore[index]
        changes.extend(new_entries.values())
        new_entries.clear()
        flush_changes(force=True)

        # rows created
        if household_rows:
            insert_rows(Household, household_fields, household_rows)
        insert_rows(Member, ("id", *MEMBER_BULK_FIELDS), member_rows)
        insert_rows(HouseholdYear, ("id", *YEAR_BULK_FIELDS), year_rows)
        del household_rows, member_rows, year_rows
        for plan in plans:  # written: what is left to keep is the household's number and id
            plan.members = []
            plan.years = []
        self._written += len(plans)
        self.progress(self._written, self._total, gettext_noop("Writing to the registry"))
        write_staged()

    def _member_rows(self, new_members: Sequence[tuple[str, MemberRow, dict[str, Any]]], pks: list[int]) -> list[tuple]:
        """The new members' rows in the order of :data:`MEMBER_BULK_FIELDS` after the id, with their
        household's id and their own set on ``new``; ID and phone numbers encrypted."""
        household_ids = self.household_ids
        encrypt = crypto.encrypter()
        rows = []
        for (number, member, new), pk in zip(new_members, pks, strict=True):
            new["household_id"] = household_ids[number]
            new["id"] = pk
            rows.append(
                (
                    pk,
                    new["household_id"],
                    new["region_code"],
                    new["name"],
                    new["sex"],
                    new["id_type"],
                    encrypt(member.id_number) if member.id_number else "",
                    new["id_index"],
                    new["id_masked"],
                    new["birth_year"],
                    new["relation"],
                    new["ethnicity"],
                    new["education"],
                    new["schooling"],
                    new["health"],
                    new["disability_grade"],
                    new["labour"],
                    new["work_location"],
                    new["work_months"],
                    encrypt(new["phone"]) if new["phone"] else "",
                    new["phone_masked"],
                    new["medical_insured"],
                    new["pension_insured"],
                    new["dibao"],
                    new["tekun"],
                )
            )
        return rows

    def _year_rows(self, new_years: Sequence[tuple[str, dict[str, Any]]], pks: list[int]) -> list[tuple]:
        """The new years' rows in the order of :data:`YEAR_BULK_FIELDS` after the id (ids set on ``new``)."""
        household_ids = self.household_ids
        rows = []
        for (number, new), pk in zip(new_years, pks, strict=True):
            new.update(household_id=household_ids[number], id=pk)
            rows.append((pk, new["household_id"], new["region_code"], new["year"], new["member_count"],
                         *[new[k] for k in YEAR_AMOUNTS],
                         new["housing_grade"], new["water_secured"], new["dropout"], new["uninsured_member"]))
        return rows

    def _household_rows(self, new_households: list[dict[str, Any]]) -> tuple[list[str], list[tuple]]:
        """The fields and rows of new households (each with its reserved ``id``): the bulk fields,
        the digest and any ``extra`` columns."""
        if not new_households:
            return [], []
        base = {"village": "village_id"}
        fields = ["id", *HOUSEHOLD_BULK_FIELDS, "import_digest", "national_number"]
        known = {base.get(name, name) for name in fields}
        fields += sorted({key for values in new_households for key in values} - known - {"id"})
        keys = [base.get(name, name) for name in fields]
        defaults = {key: Household._meta.get_field(name).get_default() for name, key in zip(fields, keys, strict=True)}
        return fields, [tuple([values.get(key, defaults[key]) for key in keys]) for values in new_households]

    def _read_trusted_member_ids(self, plans: Sequence[HouseholdPlan]) -> None:
        """Member ids of the households that were not compared (their members were not read)."""
        numbers = {plan.existing["id"]: plan.number for plan in plans if plan.trusted and plan.existing}
        for id_chunk in _chunks(sorted(numbers)):
            with index_lookups():
                found = Member.objects.filter(household_id__in=id_chunk)
                rows = list(found.values_list("id", "household_id", "id_index", "name"))
            for pk, household_id, id_index, name in rows:
                self.member_ids[(numbers[household_id], id_index or f"name:{name}")] = pk

    def _update(self, model, items, stamp, changes: list[Change], flush) -> None:
        """One UPDATE statement per set of changed columns, run with executemany. Members are
        matched by their blind index, so an update never changes the ID number; a changed phone
        is encrypted afresh, an unchanged one is not touched."""
        groups: dict[tuple[str, ...], list[tuple]] = defaultdict(list)
        for old, new, changed_fields in items:
            if "phone" in changed_fields:
                changed_fields = changed_fields | {"phone_masked"}
            columns = tuple(sorted(changed_fields))
            values = []
            for name in columns:
                value = new[name]
                if name == "phone":
                    value = crypto.encrypt(value) if value else ""
                values.append(value)
            groups[columns].append((*values, stamp, old["id"]))
            new["id"] = old["id"]
            changes.append(_change("update", model, new, old, new))
            flush()
        opts = model._meta
        with connection.cursor() as cursor:
            for columns, rows in groups.items():
                assignments = ", ".join(
                    f"{_quote(opts.get_field(_field_name(model, c)).column)} = %s"
                    for c in (*columns, "updated_at")
                )
                sql = f"UPDATE {_quote(opts.db_table)} SET {assignments} WHERE {_quote(opts.pk.column)} = %s"
                cursor.executemany(sql, rows)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _field_name(model, column_name: str) -> str:
    return {"village_id": "village", "household_id": "household"}.get(column_name, column_name)


_SNAPSHOT_NAMES: dict[type, tuple[list[str], list[str], frozenset[str]]] = {}


def _snapshot_names(model) -> tuple[list[str], list[str], frozenset[str]]:
    """The snapshot's attribute names (sorted), its decimal ones, and the names as a set."""
    names = _SNAPSHOT_NAMES.get(model)
    if names is None:
        fields = snapshot_fields(model)
        attnames = sorted(f.attname for f in fields)  # in the log's key order: its JSON encoder sorts them
        names = _SNAPSHOT_NAMES[model] = (
            attnames,
            [f.attname for f in fields if f.get_internal_type() == "DecimalField"],
            frozenset(attnames),
        )
    return names


def _snapshot_in_place(model, values: dict[str, Any]) -> dict[str, Any]:
    """:func:`_snapshot` of a written row's values that nothing reads afterwards, made of ``values``
    itself (a county's import logs hundreds of thousands of them): the keys outside the snapshot
    (the plain phone, the blind index) removed, decimals as text. A copy when a key is missing."""
    _names, decimals, wanted = _snapshot_names(model)
    pop = values.pop
    for key in EXCLUDED:
        pop(key, None)
    if values.keys() != wanted:
        for key in values.keys() - wanted:
            del values[key]
        if len(values) != len(wanted):
            return _snapshot(model, values)
    for name in decimals:
        value = values[name]
        if isinstance(value, Decimal):
            values[name] = str(value)
    return values


def _snapshot(model, values: dict[str, Any]) -> dict[str, Any]:
    """The same shape as :func:`shouwang.registry.households.audit.snapshot`, built from plain values."""
    names = _snapshot_names(model)
    get = values.get
    result = {name: get(name) for name in names[0]}
    for name in names[1]:
        value = result[name]
        if isinstance(value, Decimal):
            result[name] = str(value)
    return result


def _change(action: str, model, values: dict[str, Any], before: dict | None, after: dict | None) -> Change:
    repr_ = values.get("number") or values.get("id_masked") or values.get("name") or ""
    if model is HouseholdYear:
        repr_ = str(values.get("year", ""))
    return Change(
        action=action,
        object_type=model._meta.label_lower,
        object_id=values.get("id"),
        object_repr=str(repr_),
        region_code=values.get("region_code", ""),
        before=_snapshot(model, before) if before is not None else None,
        after=_snapshot(model, after) if after is not None else None,
    )
