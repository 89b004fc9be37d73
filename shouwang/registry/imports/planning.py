"""What a commit would do: every accepted household compared with the registry (also for a dry
run, whose report counts what would be created, updated or left unchanged).

Part of :class:`.importer.RegistryImport`: the methods that turn the checked
:class:`.rows.HouseholdPlan` objects into :class:`Writes`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shouwang.core import crypto
from shouwang.core.idnumbers import mask_id_number
from shouwang.core.imports import Table

from ..households.audit import snapshot_fields
from ..households.models import HouseholdYear, IdType, Labour
from .columns import INCOME, MEMBERS
from .rows import (
    MEMBER_COLUMNS,
    MEMBER_DEFAULTS,
    YEAR_AMOUNTS,
    YEAR_DEFAULTS,
    HouseholdPlan,
    MemberRow,
    _chunks,
)


class RegistryPlanning:
    """The planning part of :class:`.importer.RegistryImport`."""

    def _plan_changes(self) -> None:
        """Compare every accepted household with the registry (also for a dry run)."""
        self.batch = self.report.batch
        counts = {
            kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in ("households", "members", "years")
        }
        plans = [p for p in self.households.values() if p.ok]
        existing_ids = [p.existing["id"] for p in plans if p.existing]
        years_by_household: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        names = ["id", *[f.attname for f in snapshot_fields(HouseholdYear) if f.attname != "id"]]
        for chunk in _chunks(existing_ids):
            for values in HouseholdYear.objects.filter(household_id__in=chunk).values(*names):
                years_by_household[values["household_id"]][values["year"]] = values
        members_present = set(_member_fields_present(self.tables.get(MEMBERS.name)))
        phone_present = bool(self.tables.get(MEMBERS.name) and self.tables[MEMBERS.name].has("phone"))
        years_present = set(_year_fields_present(self.tables.get(INCOME.name)))
        self.writes = Writes()
        for plan in plans:
            self._plan_household(
                plan, years_by_household, members_present, phone_present, years_present, counts
            )
        report = self.report
        report.details = counts
        report.created = counts["households"]["created"]
        report.updated = sum(1 for p in plans if p.existing and p.changed)
        report.unchanged = sum(1 for p in plans if p.existing and not p.changed)

    def _plan_household(
        self,
        plan: HouseholdPlan,
        years_by_household,
        members_present: set[str],
        phone_present: bool,
        years_present: set[str],
        counts: dict,
    ) -> None:
        writes = self.writes
        existing = plan.existing
        registry_members = self.existing_members.get(existing["id"], []) if existing else []
        # the household itself
        if existing is None:
            village = plan.village
            values = {
                "number": plan.number,
                "village_id": village,
                "region_code": village,
                "household_type": plan.household_type,
                "no_labour": False,
                "relocated": False,
                "settlement": "",
                "address": "",
                "import_batch": self.batch,
            }
            writes.new_households.append(values)
            counts["households"]["created"] += 1
            plan.changed = True
        else:
            values = dict(existing)
            if plan.members:
                values["village_id"] = values["region_code"] = plan.village
                values["household_type"] = plan.household_type
        # members: file rows over registry rows
        by_key = {(m["id_index"] or f"name:{m['name']}"): m for m in registry_members}
        final_members: dict[str, dict[str, Any]] = {k: dict(m) for k, m in by_key.items()}
        for member in plan.members:
            old = by_key.get(member.key)
            if old is None and not member.id_index:
                old = None
            new = (
                dict(old)
                if old
                else {
                    **MEMBER_DEFAULTS,
                    "id_type": IdType.RESIDENT,
                    "id_index": "",
                    "id_masked": "",
                    "phone_masked": "",
                    "disability_grade": None,
                }
            )
            for name in members_present:
                if name in member.values:
                    new[name] = member.values[name]
            if member.id_index:
                new["id_index"] = member.id_index
                new["id_masked"] = mask_id_number(member.id_number)
                new["id_type"] = IdType.RESIDENT
            if phone_present:
                new["phone"] = member.phone or ""
                new["phone_masked"] = crypto.mask_phone(new["phone"])
            new["region_code"] = values["region_code"]
            final_members[member.key] = new
            member.values = {}  # now in ``new``: halve the memory of a county-sized file
            changed_fields = _changed(old, new, MEMBER_COMPARED)
            if old is None:
                writes.new_members.append((plan.number, member, new))
                counts["members"]["created"] += 1
            elif changed_fields:
                writes.changed_members.append((old, new, changed_fields))
                counts["members"]["updated"] += 1
            else:
                counts["members"]["unchanged"] += 1
            plan.changed = plan.changed or old is None or bool(changed_fields)
        if plan.members:
            values["no_labour"] = not any(m.get("labour") in Labour.able() for m in final_members.values())
        if existing is not None:
            changed_fields = _changed(existing, values, HOUSEHOLD_COMPARED)
            if changed_fields:
                values["import_batch"] = self.batch
                writes.changed_households.append((existing, values, changed_fields | {"import_batch"}))
                counts["households"]["updated"] += 1
                plan.changed = True
            else:
                counts["households"]["unchanged"] += 1
            if values["region_code"] != existing["region_code"]:
                writes.moved_households.append((existing["id"], values["region_code"]))
        # years
        member_count = len(final_members)
        uninsured = any(not m.get("medical_insured", True) for m in final_members.values())
        registry_years = years_by_household.get(existing["id"], {}) if existing else {}
        for entry in plan.years:
            old = registry_years.get(entry.year)
            new = dict(old) if old else {**YEAR_DEFAULTS, "year": entry.year}
            for name in years_present:
                if name in entry.values:
                    new[name] = entry.values[name]
            new["member_count"] = member_count
            new["uninsured_member"] = uninsured
            new["region_code"] = values["region_code"]
            changed_fields = _changed(old, new, YEAR_COMPARED)
            if old is None:
                writes.new_years.append((plan.number, new))
                counts["years"]["created"] += 1
            elif changed_fields:
                writes.changed_years.append((old, new, changed_fields))
                counts["years"]["updated"] += 1
            else:
                counts["years"]["unchanged"] += 1
            plan.changed = plan.changed or old is None or bool(changed_fields)


@dataclass
class Writes:
    new_households: list[dict[str, Any]] = field(default_factory=list)
    changed_households: list[tuple[dict, dict, set[str]]] = field(default_factory=list)
    moved_households: list[tuple[int, str]] = field(default_factory=list)
    new_members: list[tuple[str, MemberRow, dict[str, Any]]] = field(default_factory=list)
    changed_members: list[tuple[dict, dict, set[str]]] = field(default_factory=list)
    new_years: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed_years: list[tuple[dict, dict, set[str]]] = field(default_factory=list)

    def size(self) -> int:
        return (
            len(self.new_households)
            + len(self.changed_households)
            + len(self.new_members)
            + len(self.changed_members)
            + len(self.new_years)
            + len(self.changed_years)
        )


HOUSEHOLD_COMPARED = ("village_id", "region_code", "household_type", "no_labour")
MEMBER_COMPARED = (
    "region_code",
    "name",
    "sex",
    "id_index",
    "birth_year",
    "relation",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour",
    "work_location",
    "work_months",
    "phone",
    "medical_insured",
    "pension_insured",
    "dibao",
    "tekun",
)
YEAR_COMPARED = (
    "region_code",
    "member_count",
    *YEAR_AMOUNTS,
    "housing_grade",
    "water_secured",
    "dropout",
    "uninsured_member",
)


def _member_fields_present(table: Table | None) -> Iterable[str]:
    """Member fields this file sets: its optional columns, plus what the ID number gives."""
    if table is None:
        return ()
    present = {field for field, column in MEMBER_COLUMNS.items() if table.has(column)}
    present |= {"sex", "birth_year"}
    return present


def _year_fields_present(table: Table | None) -> Iterable[str]:
    if table is None:
        return ()
    return {k for k in (*YEAR_AMOUNTS, "housing_grade", "water_secured", "dropout") if table.has(k)}


def _changed(old: dict[str, Any] | None, new: dict[str, Any], fields: Sequence[str]) -> set[str]:
    if old is None:
        return set(fields)
    changed = set()
    for name in fields:
        a, b = old.get(name), new.get(name)
        if a != b and not (a in (None, "") and b in (None, "")):
            changed.add(name)
    return changed
