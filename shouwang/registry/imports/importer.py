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

Unchanged households. Each household written keeps the digest of what the import set
(:func:`.rows.household_digest`); when a later import plans the same digest for it, it is
unchanged without its members and years being read, decrypted or compared, and nothing is
written. Any other write of a household, its members or years clears the digest.

The work is split along these phases: :mod:`.columns` (the sheets and their vocabulary),
:mod:`.parsing` (cells and messages), :mod:`.rows` (parsed rows per household),
:mod:`.checking`, :mod:`.planning` (what a commit would do) and :mod:`.commit` (the writing);
:class:`RegistryImport` puts them together. A commit plans and writes a chunk of households at
a time (:data:`.planning.PLAN_CHUNK`); :mod:`.planning` documents the seam other importers use.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.core.audit import record_access
from shouwang.core.imports import (
    ImportFileError,
    Problem,
    Report,
    Source,
    Table,
    load_tables,
    open_source,
)
from shouwang.core.imports import (
    problem as engine_problem,
)
from shouwang.core.permissions import can, home_region
from shouwang.core.signals import announce_households_changed, data_changed

from ..households.models import Household
from .checking import RegistryChecks
from .columns import INCOME, MEMBERS, SPECS
from .commit import RegistryCommit
from .permissions import IMPORT
from .planning import (
    PLAN_CHUNK,
    RegistryPlanning,
    _member_fields_present,
    _year_fields_present,
    new_counts,
)
from .rows import HouseholdPlan, Progress, _chunks, batch_id

# --- the import -------------------------------------------------------------------------------


class RegistryImport(RegistryChecks, RegistryPlanning, RegistryCommit):
    """Check (and on request commit) one registry upload for one user (None: the system, county-wide)."""

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

    # scope

    def allowed(self, region_code: str) -> bool:
        return self.user is None or can(self.user, IMPORT.name, region_code)

    # entry point

    def run(
        self, files: Sequence[tuple[bytes | str | Path | IO[bytes], str]], *, commit: bool = False
    ) -> Report:
        """Check ``files`` ((content or path, original name) pairs); commit when asked and allowed."""
        report = self.report
        sources = self._open_sources(files)
        report.batch = batch_id([source.sha256 for source in sources])
        if report.errors:
            return self._finish(commit=False)
        self.progress(0, 0, gettext_noop("Reading the file"))
        self.tables = load_tables(sources, SPECS, report)
        del sources[:]  # the workbooks: the tables hold what is needed
        release_memory()
        if report.errors:
            return self._finish(commit=False)
        self._load_reference()
        if MEMBERS.name in self.tables:
            self._check_members(self.tables[MEMBERS.name])
        if INCOME.name in self.tables:
            self._check_years(self.tables[INCOME.name])
        self._fields_present()
        self._check_households()
        self._count_rows()
        for table in self.tables.values():  # the parsed rows hold all that is needed from here on
            table.frame = table.frame.clear()
        self.batch = report.batch
        plans = [p for p in self.households.values() if p.ok]
        writable = report.accepted > 0 and (report.ok or self.allow_partial)
        if commit and writable:  # planned and written a chunk at a time, in one transaction
            return self._finish(commit=True, plans=plans)
        self._report_counts(plans, self._plan_all(plans))
        if commit:  # nothing will be written: say so, keep the plan as a detail
            report.details["planned"] = {"created": report.created, "updated": report.updated}
            report.created = report.updated = report.unchanged = 0
        return self._finish(commit=False)

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

    def _finish(self, commit: bool, plans: Sequence[HouseholdPlan] = ()) -> Report:
        report = self.report
        if commit:
            self.progress(0, 0, gettext_noop("Writing to the registry"))
            with transaction.atomic():
                counts = new_counts()
                self.start_writing(len(plans))
                for chunk in _chunks(plans, PLAN_CHUNK):
                    self.write_planned(self.plan_households(chunk, counts), chunk)
                self._report_counts(plans, counts)
                report.committed = True
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

    def _log_access(self) -> None:
        report = self.report
        record_access(
            "import",
            object_type="registry_import",
            object_id=report.batch,
            object_repr=", ".join(t.filename for t in self.tables.values())[:200],
            region_code=home_region(self.user) or "",
            detail={k: v for k, v in report.to_dict().items() if k not in ("errors", "warning_details")}
            | {"errors": len(report.errors)},
        )


def release_memory() -> None:
    """Hand freed memory back to the system (glibc's ``malloc_trim``; nothing elsewhere). Reading a
    workbook frees hundreds of megabytes that the allocator would otherwise keep for this process
    while the rows are checked and planned."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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
