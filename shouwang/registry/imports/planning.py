"""What a commit would do: every accepted household compared with the registry (also for a dry
run, whose report counts what would be created, updated or left unchanged).

Part of :class:`.importer.RegistryImport`: the methods that turn the checked
:class:`.rows.HouseholdPlan` objects into :class:`Writes`, a chunk of households at a time (a
commit writes each chunk before planning the next, so a county-sized file never holds all its
planned rows at once).

The seam for other importers (the national takeover reuses households, members and years):
nothing here reads the registry sheets. An importer that mixes in :class:`RegistryPlanning` and
:class:`.commit.RegistryCommit` sets

- ``members_present`` (member field names its rows set), ``phone_present`` and
  ``years_present`` (year field names), with :meth:`RegistryPlanning.set_fields_present`;
- ``batch`` (the default provenance mark; a plan's own ``batch`` wins), ``report``,
  ``progress`` and ``user``;

builds :class:`.rows.HouseholdPlan` objects (``extra`` for further household columns such as
``national_number``), calls :meth:`RegistryPlanning.load_existing` on them, then
:meth:`RegistryPlanning.plan_households` per chunk and, inside one transaction,
:meth:`.commit.RegistryCommit.write_planned`; ``household_ids`` (and, when
``collect_member_ids`` is set, ``member_ids``) then give the ids of every household of the import.

Unchanged households are recognised by their digest, stored on the household at commit: the
plan's ``digest`` when the importer set one (the registry import: its rows as read), else
:func:`.rows.household_digest` of its parsed rows. A household whose stored digest equals the
plan's is *trusted* and counted unchanged without reading or decrypting its members and years.
Any other write of a household, its members or years clears the digest (the models' ``save()``,
deletions), so those are compared field by field again.
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
from ..households.models import Household, HouseholdYear, IdType, Labour, Member
from .rows import (
    MEMBER_COLUMNS,
    MEMBER_DEFAULTS,
    YEAR_AMOUNTS,
    YEAR_DEFAULTS,
    HouseholdPlan,
    MemberRow,
    _chunks,
    household_digest,
    index_lookups,
)

PLAN_CHUNK = 5000  # households planned (and, in a commit, written) at a time

Counts = dict[str, dict[str, int]]


def new_counts() -> Counts:
    return {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in ("households", "members", "years")}


class RegistryPlanning:
    """The planning part of :class:`.importer.RegistryImport` (see the module docstring for the seam)."""

    members_present: set[str] = set()
    phone_present: bool = False
    years_present: set[str] = set()
    batch: str = ""
    writing = False  # set by RegistryCommit.start_writing: plans are to be written, not only counted

    def set_fields_present(
        self, members_present: Iterable[str], phone_present: bool, years_present: Iterable[str]
    ) -> None:
        """Which member and year fields the rows of this import set (the others keep their registry values)."""
        self.members_present = set(members_present)
        self.phone_present = phone_present
        self.years_present = set(years_present)

    def digest(self, plan: HouseholdPlan) -> str:
        return household_digest(plan, self.members_present, self.phone_present, self.years_present)

    # the registry as it is

    def load_existing(self, plans: Sequence[HouseholdPlan]) -> None:
        """``plan.existing`` (the household's logged columns, its id and stored digest; None when
        new) and ``plan.trusted`` for each plan, and ``self.existing_members`` (household id → its
        members, phone decrypted) for the existing households that are not trusted. A plan's
        digest is worked out here only where the registry holds one to compare it with, and only
        for a plan whose rows all parsed (:meth:`_may_trust`)."""
        by_number = {plan.number: plan for plan in plans}
        names = ["id", "import_digest", *[f.attname for f in snapshot_fields(Household) if f.attname != "id"]]
        untrusted: list[int] = []
        for chunk in _chunks(list(by_number)):
            with index_lookups():
                found = list(Household.objects.filter(number__in=chunk).values(*names))
            for values in found:
                plan = by_number[values["number"]]
                plan.existing = values
                if values["import_digest"] and self._may_trust(plan):
                    plan.digest = plan.digest or self.digest(plan)
                    plan.trusted = values["import_digest"] == plan.digest
                if not plan.trusted:
                    untrusted.append(values["id"])
        self.existing_members = self._existing_members(untrusted)

    def _may_trust(self, plan: HouseholdPlan) -> bool:
        """Whether an equal digest may stand for the household's comparison: its rows all parsed."""
        return all(m.ok for m in plan.members) and all(y.ok for y in plan.years)

    def _existing_members(self, household_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        names = [
            "id",
            "id_index",
            "phone",
            *[f.attname for f in snapshot_fields(Member) if f.attname != "id"],
        ]
        for chunk in _chunks(household_ids):
            with index_lookups():
                rows = list(Member.objects.filter(household_id__in=chunk).values(*names))
            for values in rows:
                found[values["household_id"]].append(values)
        return found

    # planning

    def plan_households(self, plans: Sequence[HouseholdPlan], counts: Counts) -> Writes:
        """What writing ``plans`` (accepted households, with ``existing`` loaded) would do, added to
        ``counts``. Before :meth:`.commit.RegistryCommit.start_writing` (a dry run) only the counts
        matter: new households are counted without their rows being built, and no digest is made."""
        batch = self.batch
        years_by_household: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        read = [p.existing["id"] for p in plans if p.existing and not p.trusted and p.years]
        names = ["id", *[f.attname for f in snapshot_fields(HouseholdYear) if f.attname != "id"]]
        for chunk in _chunks(read):
            with index_lookups():
                rows = list(HouseholdYear.objects.filter(household_id__in=chunk).values(*names))
            for values in rows:
                years_by_household[values["household_id"]][values["year"]] = values
        writes = Writes()
        writing = self.writing
        for plan in plans:
            if plan.trusted:  # the registry holds what this plan would write
                counts["households"]["unchanged"] += 1
                counts["members"]["unchanged"] += len(plan.members)
                counts["years"]["unchanged"] += len(plan.years)
                plan.changed = False
                continue
            if not writing and plan.existing is None:  # a dry run counts a new household as it is
                counts["households"]["created"] += 1
                counts["members"]["created"] += len(plan.members)
                counts["years"]["created"] += len(plan.years)
                plan.changed = True
                continue
            if writing and not plan.digest:  # stored with what is written (before the rows are let go)
                plan.digest = self.digest(plan)
            self._plan_household(plan, years_by_household, plan.batch or batch, writes, counts)
            if writing and plan.existing is not None and plan.existing.get("import_digest") != plan.digest:
                writes.digests.append((plan.existing["id"], plan.digest))
        return writes

    def _plan_all(self, plans: Sequence[HouseholdPlan]) -> Counts:
        """Counts for a dry run: plan every household, keep nothing."""
        counts = new_counts()
        for chunk in _chunks(plans, PLAN_CHUNK):
            self.plan_households(chunk, counts)
        return counts

    def _report_counts(self, plans: Sequence[HouseholdPlan], counts: Counts) -> None:
        report = self.report
        report.details = counts
        report.created = counts["households"]["created"]
        report.updated = sum(1 for p in plans if p.existing and p.changed)
        report.unchanged = sum(1 for p in plans if p.existing and not p.changed)

    def _plan_household(
        self,
        plan: HouseholdPlan,
        years_by_household,
        batch: str,
        writes: Writes,
        counts: Counts,
    ) -> None:
        members_present = self.members_present
        phone_present = self.phone_present
        years_present = self.years_present
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
                "import_batch": batch,
                "national_number": "",
                **plan.extra,
                "import_digest": plan.digest,
            }
            writes.new_households.append(values)
            counts["households"]["created"] += 1
            plan.changed = True
        else:
            values = dict(existing)
            if plan.members:
                values["village_id"] = values["region_code"] = plan.village
                values["household_type"] = plan.household_type
            values.update(plan.extra)
        # members: file rows over registry rows
        by_key = {(m["id_index"] or f"name:{m['name']}"): m for m in registry_members}
        final_members: dict[str, dict[str, Any]] = {k: dict(m) for k, m in by_key.items()}
        for member in plan.members:
            old = by_key.get(member.key)
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
            _take(new, member.values, members_present)
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
            if old is None:
                writes.new_members.append((plan.number, member, new))
                counts["members"]["created"] += 1
                plan.changed = True
                continue
            changed_fields = _changed(old, new, MEMBER_COMPARED)
            if changed_fields:
                writes.changed_members.append((old, new, changed_fields))
                counts["members"]["updated"] += 1
                plan.changed = True
            else:
                counts["members"]["unchanged"] += 1
            writes.member_ids.append((plan.number, member.key, old["id"]))
        if plan.members:
            values["no_labour"] = not any(m.get("labour") in _ABLE for m in final_members.values())
        if existing is not None:
            changed_fields = _changed(existing, values, (*HOUSEHOLD_COMPARED, *plan.extra))
            if changed_fields:
                values["import_batch"] = batch
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
            _take(new, entry.values, years_present)
            new["member_count"] = member_count
            new["uninsured_member"] = uninsured
            new["region_code"] = values["region_code"]
            changed_fields = _changed(old, new, YEAR_COMPARED) if old is not None else set()
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
    digests: list[tuple[int, str]] = field(default_factory=list)  # (existing household id, its new digest)
    member_ids: list[tuple[str, str, int]] = field(default_factory=list)  # existing members: (number, key, id)

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


_ABLE = frozenset(Labour.able())


def _take(new: dict[str, Any], parsed: dict[str, Any], present: set[str]) -> None:
    """The parsed values of the fields the file has, over ``new`` (usually all of them: one step)."""
    new.update(parsed if parsed.keys() <= present else {k: parsed[k] for k in parsed.keys() & present})


def _changed(old: dict[str, Any] | None, new: dict[str, Any], fields: Sequence[str]) -> set[str]:
    if old is None:
        return set(fields)
    changed = set()
    for name in fields:
        a, b = old.get(name), new.get(name)
        if a != b and not (a in (None, "") and b in (None, "")):
            changed.add(name)
    return changed
