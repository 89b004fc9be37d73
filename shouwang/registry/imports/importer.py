"""Registry import: the county's household spreadsheet (家庭成员 + 收支情况) into the registry.

Two phases on the engine of :mod:`shouwang.core.imports`. **Check** reads every row, parses and
cross-checks it (ID numbers, villages in the importer's area, one head per household, one
household per person, one row per household and year) and works out, against the database,
what a commit would create or change. **Commit** (only when asked, and by default only when no
row was rejected) writes it all in one transaction with raw bulk statements, never ``save()``
per row, and records every created or updated object in the change log with personal data
masked, and the import itself in the access log.

Counting. ``total`` is the number of data rows in both sheets. A household is written whole or
not at all, so a row is *accepted* only when neither it nor any other row of its household has
an error; ``rejected = total - accepted`` (each problem still appears once in ``errors``).
``created`` / ``updated`` / ``unchanged`` count households: created when new; updated when the
household, any of its members in the file or any of its years in the file differs from the
registry; unchanged otherwise. ``details`` gives the same three counts per kind of object.
Importing the same file again therefore reports 0 created and 0 updated. Members that are in
the registry but not in the file are kept (an import never deletes); columns missing from the
file keep their registry values.

Matching. Households by 户编号; members by the blind index of their ID number within their
household (by name for a member without an ID number); years by (household, 年度). ID and
phone numbers are compared through the blind index and the decrypted phone, and re-encrypted
only when they changed.

Unchanged households. Each household written (or found unchanged under another digest) keeps
the digest of its rows as read: the text of its rows in both sheets, with the columns the file
has (:meth:`RegistryImport._skip_unchanged`). Before any row is parsed, the households whose rows
give the digest they keep are counted unchanged (with their member and year rows, as if compared)
and their rows are dropped: nothing of them is parsed, read back, decrypted or written. Any other
write of a household, its members or years clears the digest; a household outside the
importer's area is never skipped (the checks refuse it). Plans of other importers without such a
digest keep the digest of their parsed rows (:func:`.rows.household_digest`).

The work is split along these phases: :mod:`.columns` (the sheets and their vocabulary),
:mod:`.parsing` (cells and messages), :mod:`.rows` (parsed rows per household),
:mod:`.checking`, :mod:`.planning` (what a commit would do) and :mod:`.commit` (the writing);
:class:`RegistryImport` puts them together. The rows are checked, planned and (on commit)
written :data:`HOUSEHOLD_CHUNK` households at a time, so a county's file never has all its parsed
rows in memory at once; the one check that spans households (one household per person) runs
column-wise over the whole member sheet first (:meth:`.checking.RegistryChecks._prepare_members`).
A commit writes each chunk once it is checked, in one transaction rolled back at the end when any
row was rejected: the outcome is that of a single pass. :mod:`.planning` documents the seam other
importers use.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import struct
import zlib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.core.audit import record_access
from shouwang.core.bulk import bulk_transaction
from shouwang.core.imports import (
    ImportFileError,
    Problem,
    Report,
    Source,
    Table,
    load_tables,
    open_source,
    release_memory,
    without_cycle_collection,
)
from shouwang.core.imports import (
    problem as engine_problem,
)
from shouwang.core.permissions import can, home_region
from shouwang.core.signals import announce_households_changed, data_changed

from ..households.models import Household
from .checking import RegistryChecks
from .checking import household_key as _household_key
from .columns import INCOME, MEMBERS, SPECS
from .commit import RegistryCommit
from .models import ImportFingerprint
from .permissions import IMPORT
from .planning import (
    PLAN_CHUNK,
    RegistryPlanning,
    _member_fields_present,
    _year_fields_present,
    new_counts,
)
from .rows import HouseholdPlan, Progress, _chunks, batch_id, index_lookups, select_in

# Bump when what the raw digest covers, or how checking and planning turn rows into values, changes:
# every stored digest then differs once and the next import reads those households again.
RAW_DIGEST_LAYOUT = "registry-raw-digest-v1"
HOUSEHOLD_CHUNK = 10_000  # households checked, planned and written at a time

# --- the import -------------------------------------------------------------------------------


class RegistryImport(RegistryChecks, RegistryPlanning, RegistryCommit):
    """Check (and on request commit) one registry upload for one user (None: the system, county-wide)."""

    # Record a clean import's fingerprint and recognise the same files again without reading them
    # (the national takeover, which also writes cases and reconciles, reads every time).
    fingerprints = True
    from_fingerprint = False  # set when the files were recognised unchanged without reading them

    def __init__(self, user=None, *, allow_partial: bool = False, progress: Progress | None = None) -> None:
        self.user = user
        self.allow_partial = allow_partial
        self.progress = progress or (lambda done, total, message: None)
        self.report = Report()
        self.households: dict[str, HouseholdPlan] = {}
        self.household_ids: dict[str, int] = {}
        self.member_ids: dict[tuple[str, str], int] = {}
        self.tables: dict[str, Table] = {}
        self._memo: dict[str, dict[Any, tuple[Any, Problem | None]]] = defaultdict(dict)
        self.today = timezone.localdate()
        self.raw_digests: dict[str, str] = {}  # household number → digest of its rows as read
        self.unchanged_ids: dict[str, int] = {}  # households skipped as unchanged: number → id
        self.unchanged_counts = new_counts()  # ... and their households, member rows and year rows

    # scope

    def allowed(self, region_code: str) -> bool:
        return self.user is None or can(self.user, IMPORT.name, region_code)

    # entry point

    @without_cycle_collection
    def run(
        self, files: Sequence[tuple[bytes | str | Path | IO[bytes], str]], *, commit: bool = False
    ) -> Report:
        """Check ``files`` ((content or path, original name) pairs); commit when asked and allowed.

        The rows are checked, planned and (on commit) written :data:`HOUSEHOLD_CHUNK` households
        at a time, so only one chunk's parsed rows are in memory; what must hold across the whole
        file (one household per person) is worked out column-wise first. A commit writes each
        chunk as soon as it is checked, in one transaction that is rolled back at the end when a
        row was rejected (unless a partial import was asked for): nothing is written then.
        """
        report = self.report
        sources = self._open_sources(files)
        report.batch = batch_id([source.sha256 for source in sources])
        self.filenames = [source.filename for source in sources]
        if report.errors:
            return self._finish(commit=False)
        if self.fingerprints and self._known_unchanged():
            if not commit:
                return self._finish(commit=False)
            with transaction.atomic():
                self.start_writing(0)
                return self._finish(commit=True)
        self.progress(0, 0, gettext_noop("Reading the file"))
        self.tables = load_tables(sources, SPECS, report)
        del sources[:]  # the workbooks: the tables hold what is needed
        release_memory()
        if report.errors:
            return self._finish(commit=False)
        self._load_reference()
        self._skip_unchanged()
        self._fields_present()
        chunks = self._household_chunks()
        members = self.tables.get(MEMBERS.name)
        if members is not None:
            self._prepare_members(members)
        self.batch = report.batch
        report.total = sum(t.frame.height for t in self.tables.values())
        counts = new_counts()
        tally = {"accepted": 0, "updated": 0, "unchanged": 0, "households": 0}
        if not commit:
            for numbers in chunks:
                plans = self._check_chunk(numbers, tally)
                self._plan_chunk(plans, counts, tally, write=False)
            self._checked(counts, tally, commit=False)
            return self._finish(commit=False)
        self.progress(0, 0, gettext_noop("Writing to the registry"))
        # The rows reach their tables on a thread of their own while the next chunk is checked.
        with bulk_transaction():
            self.start_writing(sum(len(numbers) for numbers in chunks))
            for numbers in chunks:
                plans = self._check_chunk(numbers, tally)
                self._plan_chunk(plans, counts, tally, write=report.ok or self.allow_partial)
            written = self._checked(counts, tally, commit=True)
            if written:  # the access log and the announcements in the import's own transaction
                return self._finish(commit=True)
            transaction.set_rollback(True)  # a rejected row (or nothing to write): nothing stays
        return self._finish(commit=False)  # logged after the rollback, so the log entry stays

    def _household_chunks(self) -> list[list[str | None]]:
        """The file's household numbers in order of first appearance (member sheet, then income
        sheet), :data:`HOUSEHOLD_CHUNK` at a time; ``None`` (rows without a number) in the first."""
        keys = [
            table.frame.select(_household_key(table).alias("_key")).to_series()
            for name in (MEMBERS.name, INCOME.name)
            if (table := self.tables.get(name)) is not None and table.frame.height
        ]
        if not keys:
            return []
        numbers = pl.concat(keys).unique(maintain_order=True).to_list()
        if None in numbers:
            numbers.remove(None)
            numbers.insert(0, None)
        self.household_order = {number: index for index, number in enumerate(numbers)}
        return [numbers[i : i + HOUSEHOLD_CHUNK] for i in range(0, len(numbers), HOUSEHOLD_CHUNK)]

    def _check_chunk(self, numbers: list[str | None], tally: dict[str, int]) -> list[HouseholdPlan]:
        """Check the rows of these households; return the plans of those accepted."""
        self.households = {}
        wanted = pl.Series([n for n in numbers if n is not None], dtype=pl.String).implode()
        with_blank = None in numbers
        for name, check in ((MEMBERS.name, self._check_members), (INCOME.name, self._check_years)):
            table = self.tables.get(name)
            if table is None or not table.frame.height:
                continue
            key = _household_key(table)
            keep = key.is_in(wanted).fill_null(False)
            if with_blank:
                keep = keep | key.is_null()
            check(dataclasses.replace(table, frame=table.frame.filter(keep)))
        for number, plan in self.households.items():
            plan.digest = self.raw_digests.get(number, "")  # stored as the household's import digest
        self._check_households()
        plans = [p for p in self.households.values() if p.ok]
        tally["accepted"] += sum(len(p.members) + len(p.years) for p in plans)
        tally["households"] += len(self.households)
        return plans

    def _plan_chunk(self, plans: list[HouseholdPlan], counts, tally: dict[str, int], *, write: bool) -> None:
        """Plan (and when ``write``, write) one chunk's accepted households, adding to ``counts``."""
        for part in _chunks(plans, PLAN_CHUNK):
            writes = self.plan_households(part, counts)
            if write:
                self.write_planned(writes, part)
        tally["updated"] += sum(1 for p in plans if p.existing and p.changed)
        tally["unchanged"] += sum(1 for p in plans if p.existing and not p.changed)
        self.households = {}
        self.existing_members = {}

    def _checked(self, counts, tally: dict[str, int], *, commit: bool) -> bool:
        """The report's counts once every chunk is checked; whether the commit stands."""
        report = self.report
        skipped = self.unchanged_counts["members"]["unchanged"] + self.unchanged_counts["years"]["unchanged"]
        report.total += skipped
        report.accepted = tally["accepted"] + skipped
        report.rejected = report.total - report.accepted
        for kind, values in self.unchanged_counts.items():
            counts[kind]["unchanged"] += values["unchanged"]
        report.details = counts
        report.created = counts["households"]["created"]
        report.updated = tally["updated"]
        report.unchanged = tally["unchanged"] + len(self.unchanged_ids)
        for table in self.tables.values():  # nothing more is read from the rows
            table.frame = table.frame.clear()
        writable = report.accepted > 0 and (report.ok or self.allow_partial)
        if commit and writable:
            return True
        if commit:  # nothing will be written: say so, keep the plan as a detail
            report.details["planned"] = {"created": report.created, "updated": report.updated}
            report.created = report.updated = report.unchanged = 0
        return False

    # households whose rows are those of their last import

    def _skip_unchanged(self) -> None:
        """Households whose rows read as at their last import: counted unchanged, never parsed.

        A household's digest covers the text of each of its rows in both sheets (the located
        columns, in file order), which columns the file has, the village and county lists and
        :data:`RAW_DIGEST_LAYOUT`; it is computed column-wise, compared with the digest the
        household keeps (:attr:`Household.import_digest`, cleared by any other write of it, its
        members or years) and the rows of the equal ones are dropped before any check. A
        household outside the importer's area is never skipped: the checks refuse it.
        """
        tables = [self.tables[name] for name in sorted(self.tables) if self.tables[name].frame.height]
        if not tables:
            return
        seed = self._reference_digest()
        for table in tables:
            keys = sorted(k for k in table.frame.columns if k != "_row")
            seed.update(f"\x1e{table.spec.name}\x1e{','.join(keys)}".encode())
        # a chunk of households at a time: a county's rows as text at once were the import's peak memory
        lines = []
        for table in tables:
            keys = sorted(k for k in table.frame.columns if k != "_row")
            text = pl.concat_str([pl.col(k).cast(pl.String).fill_null("\x00") for k in keys], separator="\x1f")
            lines.append((table, _household_key(table), text))
        numbers = pl.concat(
            [table.frame.select(_household_key(table).alias("_key")) for table in tables]
        ).get_column("_key").drop_nulls().unique(maintain_order=True).to_list()
        digests: dict[str, str] = {}
        for start in range(0, len(numbers), HOUSEHOLD_CHUNK):
            chunk = numbers[start : start + HOUSEHOLD_CHUNK]
            wanted = pl.Series(chunk, dtype=pl.String).implode()
            texts = []
            for table, key, line in lines:
                grouped = table.frame.lazy().filter(key.is_in(wanted)).select(key.alias("_key"), line.alias("_line"))
                grouped = grouped.group_by("_key", maintain_order=True).agg(pl.col("_line").str.join("\x1d")).collect()
                texts.append(dict(zip(grouped.get_column("_key").to_list(), grouped.get_column("_line").to_list(),
                                      strict=True)))
            for number in chunk:
                digest = seed.copy()
                for text in texts:
                    digest.update(b"\x1e")
                    digest.update(text.get(number, "").encode())
                digests[number] = digest.hexdigest()
        self.raw_digests = digests
        unchanged: dict[str, int] = {}
        for number, pk, digest, region_code in select_in(
            Household, ("number", "id", "import_digest", "region_code"), "number", sorted(digests)
        ):
            if digest and digest == digests[number] and self.allowed(region_code):
                unchanged[number] = pk
        if not unchanged:
            return
        self.unchanged_ids = unchanged
        counts = self.unchanged_counts
        counts["households"]["unchanged"] = len(unchanged)
        skipped = pl.Series(sorted(unchanged), dtype=pl.String).implode()
        for table in tables:
            keep = ~_household_key(table).is_in(skipped).fill_null(False)
            before = table.frame.height
            table.frame = table.frame.filter(keep)
            counts["members" if table.spec is MEMBERS else "years"]["unchanged"] += before - table.frame.height

    # the same files again

    def _reference_digest(self) -> Any:
        """The start of every household's raw digest: the layout's version, the village and county lists."""
        return hashlib.sha256(
            json.dumps(
                [RAW_DIGEST_LAYOUT, sorted(self.villages.items()), sorted(self.counties)], ensure_ascii=False
            ).encode()
        )

    @staticmethod
    def _households_state(ids: list[int]) -> tuple[str, int, set[str]] | None:
        """(digest of "id:import digest" in id order, households found, their region codes); None when
        one of them holds no import digest (written since by something else)."""
        state = hashlib.sha256()
        found = 0
        regions: set[str] = set()
        for chunk in _chunks(ids):
            with index_lookups():
                households = Household.objects.filter(pk__in=chunk).order_by("pk")
                rows = list(households.values_list("pk", "import_digest", "region_code"))
            for pk, digest, region_code in rows:
                if not digest:
                    return None
                state.update(f"{pk}:{digest}\n".encode())
                found += 1
                regions.add(region_code)
        return state.hexdigest(), found, regions

    def _written_state(self) -> tuple[str, int, set[str]] | None:
        """What :meth:`_households_state` would read of the households of this import, from what
        it wrote: each holds its raw digest (written with it, or kept because its rows read as at
        its last import). None where that is not known for each (the state is then read). A state
        that still differed from the registry's would only make the next import read the file. The
        region codes are left out: the fingerprint does not keep them."""
        digests = self.raw_digests
        pairs = []
        for number, pk in self.household_ids.items():
            digest = digests.get(number)
            if not digest:
                return None
            pairs.append((pk, digest))
        pairs.sort()
        state = hashlib.sha256("".join(f"{pk}:{digest}\n" for pk, digest in pairs).encode())
        return state.hexdigest(), len(pairs), set()

    def _record_fingerprint(self) -> None:
        """After a commit without any problem reported: what the same files would find next time."""
        report = self.report
        if not self.fingerprints or self.from_fingerprint or report.issues or report.rejected or not report.batch:
            return
        ids = sorted(self.household_ids.values())
        found = (self._written_state() or self._households_state(ids)) if ids else None
        if found is None or found[1] != len(ids):
            ImportFingerprint.objects.filter(batch=report.batch).delete()
            return
        packed = zlib.compress(struct.pack(f"<{len(ids)}Q", *ids))
        ImportFingerprint.objects.update_or_create(batch=report.batch, defaults={
            "reference": self._reference_digest().hexdigest(), "household_ids": packed, "state": found[0],
            "counts": {"total": report.total, "households": report.unchanged + report.created + report.updated,
                       "members": sum(report.details.get("members", {}).values()),
                       "years": sum(report.details.get("years", {}).values())},
        })

    def _known_unchanged(self) -> bool:
        """Whether these files were imported cleanly before and nothing they hold has changed since:
        the same reference lists, every household of the files still holding the digest that import
        left (so their rows read as then), each inside the importer's area. Then the report is the
        one reading every row would give (all unchanged), without reading them."""
        report = self.report
        fingerprint = ImportFingerprint.objects.filter(batch=report.batch).first()
        if fingerprint is None:
            return False
        self._load_reference()
        if fingerprint.reference != self._reference_digest().hexdigest():
            return False
        raw = zlib.decompress(bytes(fingerprint.household_ids))
        ids = list(struct.unpack(f"<{len(raw) // 8}Q", raw))
        found = self._households_state(ids)
        if found is None or found[1] != len(ids) or found[0] != fingerprint.state:
            return False
        if not all(self.allowed(code) for code in found[2]):
            return False
        counts = fingerprint.counts
        report.total = report.accepted = counts["total"]
        details = new_counts()
        for kind in ("households", "members", "years"):
            details[kind]["unchanged"] = counts[kind]
        report.details = details
        report.unchanged = counts["households"]
        self.from_fingerprint = True
        return True

    def _report_counts(self, plans: Sequence[HouseholdPlan], counts) -> None:
        for kind, values in self.unchanged_counts.items():
            counts[kind]["unchanged"] += values["unchanged"]
        super()._report_counts(plans, counts)
        report = self.report
        report.unchanged += len(self.unchanged_ids)

    def _open_sources(self, files: Sequence[tuple[bytes | str | Path | IO[bytes], str]]) -> list[Source]:
        """The files that open (size and container checks passed); the others are reported."""
        sources = []
        for content, filename in files:
            try:
                sources.append(open_source(content, filename))
            except ImportFileError as exc:
                self.report.add(exc.sheet or Path(filename).name, exc.row, "", "", exc.problem)
            except OSError:
                self.report.add(Path(filename).name, None, "", "", engine_problem("unreadable_file"))
        return sources

    def _fields_present(self) -> None:
        members = self.tables.get(MEMBERS.name)
        self.set_fields_present(
            _member_fields_present(members),
            bool(members and members.has("phone")),
            _year_fields_present(self.tables.get(INCOME.name)),
        )

    def _finish(self, commit: bool) -> Report:
        """After the checks (and, when ``commit``, the writing, inside its transaction)."""
        report = self.report
        if commit:
            self._unchanged_ids()
            report.committed = True
            self._record_fingerprint()
            self._log_access()
            transaction.on_commit(lambda: data_changed.send(sender=Household, part="registry", region_codes=None))
            years = self.changed_years
            # Monitoring screens them again once this commits (the registry cannot call it).
            announce_households_changed(
                Household, self.changed_ids, year=max(years) if years else None, user=self.user
            )
        else:
            self._log_access()
        return report

    def _unchanged_ids(self) -> None:
        """The ids of the households skipped as unchanged (and of their members, when collected)."""
        self.household_ids.update(self.unchanged_ids)
        if self.collect_member_ids and self.unchanged_ids:
            self._read_trusted_member_ids(
                [HouseholdPlan(number, existing={"id": pk}, trusted=True) for number, pk in self.unchanged_ids.items()]
            )

    def _log_access(self) -> None:
        report = self.report
        record_access(
            "import",
            object_type="registry_import",
            object_id=report.batch,
            object_repr=", ".join(getattr(self, "filenames", None) or [t.filename for t in self.tables.values()])[:200],
            region_code=home_region(self.user) or "",
            detail={k: v for k, v in report.to_dict().items() if k not in ("errors", "warning_details")}
            | {"errors": len(report.errors)},
        )


def import_registry(
    files: Sequence[tuple[bytes | str | Path | IO[bytes], str]],
    *,
    user=None,
    commit: bool = False,
    allow_partial: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Check and (when ``commit``) import registry files; see the module docstring for the rules."""
    return RegistryImport(user, allow_partial=allow_partial, progress=progress).run(files, commit=commit)
