"""Committing an import: the planned :class:`.planning.Writes` in raw bulk statements (never
``save()`` per row), each created or updated object recorded in the change log with personal
data masked.

Part of :class:`.importer.RegistryImport`; :meth:`RegistryCommit._write` runs inside the
transaction that :meth:`.importer.RegistryImport._finish` opens.
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
from shouwang.core.bulk import insert_rows

from ..households.audit import snapshot_fields
from ..households.models import (
    HOUSEHOLD_BULK_FIELDS,
    MEMBER_BULK_FIELDS,
    YEAR_BULK_FIELDS,
    Household,
    HouseholdYear,
    Member,
)
from .rows import YEAR_AMOUNTS, MemberRow, _chunks


class RegistryCommit:
    """The writing part of :class:`.importer.RegistryImport`."""

    def _write(self) -> None:
        writes = self.writes
        now = timezone.now()
        stamp = Household._meta.get_field("updated_at").get_db_prep_save(now, connection)
        total = writes.size()
        done = 0
        changes: list[Change] = []

        def flush_changes(force: bool = False) -> None:
            if changes and (force or len(changes) >= 5000):
                record_changes(changes)
                changes.clear()

        # households
        insert_rows(
            Household,
            HOUSEHOLD_BULK_FIELDS,
            (
                (
                    v["number"],
                    v["village_id"],
                    v["region_code"],
                    v["household_type"],
                    v["no_labour"],
                    v["relocated"],
                    v["settlement"],
                    v["address"],
                    v["import_batch"],
                )
                for v in writes.new_households
            ),
        )
        household_ids: dict[str, int] = {}
        for chunk in _chunks([v["number"] for v in writes.new_households]):
            household_ids.update(Household.objects.filter(number__in=chunk).values_list("number", "id"))
        for values in writes.new_households:
            values["id"] = household_ids[values["number"]]
            changes.append(_change("create", Household, values, None, values))
            flush_changes()
        for plan in self.households.values():
            if plan.existing:
                household_ids[plan.number] = plan.existing["id"]
        self._update(Household, writes.changed_households, stamp, changes, flush_changes)
        for household_id, region_code in writes.moved_households:
            Member.objects.filter(household_id=household_id).update(region_code=region_code)
            HouseholdYear.objects.filter(household_id=household_id).update(region_code=region_code)
        done += len(writes.new_households) + len(writes.changed_households)
        self.progress(done, total, gettext_noop("Writing to the registry"))

        # members
        encrypt = crypto.encrypt
        for chunk in _chunks(writes.new_members, 5000):
            rows = []
            for number, member, new in chunk:
                new["household_id"] = household_ids[number]
                rows.append(
                    (
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
            insert_rows(Member, MEMBER_BULK_FIELDS, rows)
            self._read_back_member_ids(chunk)
            for _number, _member, new in chunk:
                changes.append(_change("create", Member, new, None, new))
            flush_changes()
            done += len(chunk)
            self.progress(done, total, gettext_noop("Writing to the registry"))
        self._update(Member, writes.changed_members, stamp, changes, flush_changes)
        done += len(writes.changed_members)

        # years
        for chunk in _chunks(writes.new_years, 5000):
            rows = []
            for number, new in chunk:
                new["household_id"] = household_ids[number]
                rows.append(
                    (
                        new["household_id"],
                        new["region_code"],
                        new["year"],
                        new["member_count"],
                        *(new[k] for k in YEAR_AMOUNTS),
                        new["housing_grade"],
                        new["water_secured"],
                        new["dropout"],
                        new["uninsured_member"],
                    )
                )
            insert_rows(HouseholdYear, YEAR_BULK_FIELDS, rows)
            ids: dict[tuple[int, int], int] = {}
            for id_chunk in _chunks(sorted({new["household_id"] for _n, new in chunk})):
                ids.update(
                    ((h, y), pk)
                    for pk, h, y in HouseholdYear.objects.filter(household_id__in=id_chunk).values_list(
                        "id", "household_id", "year"
                    )
                )
            for _number, new in chunk:
                new["id"] = ids[(new["household_id"], new["year"])]
                changes.append(_change("create", HouseholdYear, new, None, new))
            flush_changes()
            done += len(chunk)
            self.progress(done, total, gettext_noop("Writing to the registry"))
        self._update(HouseholdYear, writes.changed_years, stamp, changes, flush_changes)
        flush_changes(force=True)
        self.progress(total, total, gettext_noop("Writing to the registry"))

    def _read_back_member_ids(self, chunk: Sequence[tuple[str, MemberRow, dict[str, Any]]]) -> None:
        """Raw inserts return no keys: find each new member by (household, blind index or name)."""
        wanted = {
            (new["household_id"], new["id_index"] or f"name:{new['name']}"): new for _n, _m, new in chunk
        }
        for id_chunk in _chunks(sorted({new["household_id"] for _n, _m, new in chunk})):
            for pk, household_id, id_index, name in Member.objects.filter(
                household_id__in=id_chunk
            ).values_list(
                "id",
                "household_id",
                "id_index",
                "name",
            ):
                new = wanted.get((household_id, id_index or f"name:{name}"))
                if new is not None and "id" not in new:
                    new["id"] = pk

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
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for columns, rows in groups.items():
                assignments = ", ".join(
                    f"{quote(opts.get_field(_field_name(model, c)).column)} = %s"
                    for c in (*columns, "updated_at")
                )
                sql = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(opts.pk.column)} = %s"
                cursor.executemany(sql, rows)


def _field_name(model, column_name: str) -> str:
    return {"village_id": "village", "household_id": "household"}.get(column_name, column_name)


_SNAPSHOT_NAMES: dict[type, list[str]] = {}


def _snapshot(model, values: dict[str, Any]) -> dict[str, Any]:
    """The same shape as :func:`shouwang.registry.households.audit.snapshot`, built from plain values."""
    names = _SNAPSHOT_NAMES.get(model)
    if names is None:
        names = _SNAPSHOT_NAMES[model] = [f.attname for f in snapshot_fields(model)]
    result = {}
    for name in names:
        value = values.get(name)
        result[name] = str(value) if isinstance(value, Decimal) else value
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
