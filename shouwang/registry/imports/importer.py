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

The work is split along these phases: :mod:`.columns` (the sheets and their vocabulary),
:mod:`.parsing` (cells and messages), :mod:`.rows` (parsed rows per household),
:mod:`.checking`, :mod:`.planning` (what a commit would do) and :mod:`.commit` (the writing);
:class:`RegistryImport` puts them together.
"""

from __future__ import annotations

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
from .planning import RegistryPlanning
from .rows import HouseholdPlan, Progress, batch_id

# --- the import -------------------------------------------------------------------------------


class RegistryImport(RegistryChecks, RegistryPlanning, RegistryCommit):
    """Check (and on request commit) one registry upload for one user (None: the system, county-wide)."""

    def __init__(self, user=None, *, allow_partial: bool = False, progress: Progress | None = None) -> None:
        self.user = user
        self.allow_partial = allow_partial
        self.progress = progress or (lambda done, total, message: None)
        self.report = Report()
        self.households: dict[str, HouseholdPlan] = {}
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
        digests: list[str] = []
        sources = []
        for content, filename in files:
            try:
                source = open_source(content, filename)
            except ImportFileError as exc:
                report.add(exc.sheet or Path(filename).name, exc.row, "", "", exc.problem)
                continue
            except OSError:
                report.add(Path(filename).name, None, "", "", engine_problem("unreadable_file"))
                continue
            sources.append(source)
            digests.append(source.sha256)
        report.batch = batch_id(digests)
        if report.errors:
            return self._finish(commit=False)
        self.progress(0, 0, gettext_noop("Reading the file"))
        self.tables = load_tables(sources, SPECS, report)
        if report.errors:
            return self._finish(commit=False)
        self._load_reference()
        if MEMBERS.name in self.tables:
            self._check_members(self.tables[MEMBERS.name])
        if INCOME.name in self.tables:
            self._check_years(self.tables[INCOME.name])
        self._check_households()
        self._count_rows()
        for table in self.tables.values():  # the parsed rows hold all that is needed from here on
            table.frame = table.frame.clear()
        self._plan_changes()
        writable = report.accepted > 0 and (report.ok or self.allow_partial)
        if commit and not writable:  # nothing will be written: say so, keep the plan as a detail
            report.details["planned"] = {"created": report.created, "updated": report.updated}
            report.created = report.updated = report.unchanged = 0
        return self._finish(commit=commit and writable)

    def _finish(self, commit: bool) -> Report:
        report = self.report
        if commit:
            self.progress(0, 0, gettext_noop("Writing to the registry"))
            with transaction.atomic():
                self._write()
                report.committed = True
                self._log_access()
                transaction.on_commit(lambda: data_changed.send(sender=Household, part="registry", region_codes=None))
                changed, year = self._changed_households()
                # Monitoring screens them again once this commits (the registry cannot call it).
                announce_households_changed(Household, changed, year=year, user=self.user)
        else:
            self._log_access()
        return report

    def _changed_households(self) -> tuple[list[int], int | None]:
        """The ids of the households this commit wrote (created or changed), and the newest
        income year it wrote for them (None: no income year)."""
        created = {values["number"]: values.get("id") for values in self.writes.new_households}
        ids: list[int] = []
        years: set[int] = set()
        for plan in self.households.values():
            if not plan.changed:
                continue
            pk = plan.existing["id"] if plan.existing else created.get(plan.number)
            if pk is not None:
                ids.append(int(pk))
                years.update(entry.year for entry in plan.years if entry.year is not None)
        return ids, max(years) if years else None

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
