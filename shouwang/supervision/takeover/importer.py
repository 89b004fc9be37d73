"""Taking over a county's records from the national system: ``import_national``.

Two phases, on the engine of :mod:`shouwang.core.imports` and the registry importer's checks,
planning and bulk writing (the national importer *is* a registry import whose rows come from the
national layout), plus what only the national export has: the monitoring record of each household.

**Check** reads the person sheet (监测对象信息 / 基础信息, header found below the title rows; headers
by text through the layout's and the county's synonyms; unknown headers reported) and, when given,
the work-monitoring sheet 已外出务工; parses every cell with the national code tables (unknown
labels reported by row and column), groups the rows by 户编号 and checks that a household's columns
agree across its rows; then the registry's cross-checks (village in the user's area, one head, one
household per person). A household whose rows give the same digest as at its last takeover is
unchanged and is not read back at all.

**Commit** (only when asked, and by default only when no row was rejected) writes in one
transaction: households (Shouwang's number is the national 户编号 for a household it did not know;
a household it knew, found by national number or by its members' ID numbers, keeps its number and
gains the national one), members, the year's incomes and guarantees (registry commit), the
national record (digest, raw labels), and for each monitored household its case in its real state
(:mod:`.caseplan`), recorded as taken over. Shouwang's own later procedure records are never
written over: a difference becomes a reconciliation item. After the commit the data-quality rules
run over the county and the report counts the imported households' findings by rule.

Counting: ``total`` rows of both sheets; ``accepted`` rows of households written whole (or
unchanged); ``created`` / ``updated`` / ``unchanged`` count households, ``updated`` when the registry
or the case changed; ``details`` per kind of object (households, members, years, cases).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.cases.casefiles.models import Case
from shouwang.core.audit import record_access
from shouwang.core.bulk import bulk_transaction
from shouwang.core.imports import ERROR, Report, Table, load_tables, without_cycle_collection
from shouwang.core.permissions import can, home_region
from shouwang.core.signals import announce_households_changed, data_changed
from shouwang.registry.households.models import Household, Member
from shouwang.registry.imports.columns import MEMBERS
from shouwang.registry.imports.importer import RegistryImport
from shouwang.registry.imports.planning import PLAN_CHUNK, new_counts
from shouwang.registry.imports.rows import HouseholdPlan, Progress, _chunks

from . import layout
from .caseplan import NationalCases
from .models import NationalRecord
from .permissions import IMPORT_NATIONAL
from .reading import NationalHousehold, NationalReading, problem
from .services import header_synonyms, label_synonyms

Files = Sequence[tuple[bytes | str | Path | IO[bytes], str]]

# Registry member fields the national person sheet sets, and the columns that carry them.
MEMBER_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",), "relation": ("relation",), "ethnicity": ("ethnicity",), "education": ("education",),
    "schooling": ("schooling",), "health": ("health",), "labour": ("labour",),
    "work_location": ("work_location",), "work_months": ("work_months",),
    "medical_insured": ("medical_resident", "medical_employee"),
    "pension_insured": ("pension_resident", "pension_employee"), "dibao": ("dibao",), "tekun": ("tekun",),
}
YEAR_FIELDS: dict[str, str] = {
    **{k: k for k in layout.INCOME_KEYS}, "housing_grade": "dangerous_house", "water_secured": "water_secured",
    "dropout": "dropout",
}


class NationalImport(NationalReading, NationalCases, RegistryImport):
    """Check (and on request commit) national export files for one user (None: the system, everywhere)."""

    fingerprints = False  # every takeover reads its files: cases, reconciliation and checks follow the rows

    def __init__(self, user=None, *, year: int | None = None, allow_partial: bool = False,
                 progress: Progress | None = None) -> None:
        super().__init__(user, allow_partial=allow_partial, progress=progress)
        self.year = year or timezone.localdate().year
        self.national: dict[str, NationalHousehold] = {}
        self.rejected_rows = 0
        self.work_rejected = 0
        self.people_table: Table | None = None
        self.work_table: Table | None = None
        self.skipped: set[str] = set()  # national numbers of households unchanged since their last takeover
        self.skipped_ids: dict[str, int] = {}
        self.skipped_regions: set[str] = set()
        self.skipped_rows = 0
        self.skipped_cases = 0
        self.raw_digests: dict[str, str] = {}
        self.records: dict[int, dict[str, Any]] = {}
        self.file_names: list[str] = []
        extra = label_synonyms()
        self.choices = {name: layout.table_choices(name, extra.get(name)) for name in layout.TABLES}

    def allowed(self, region_code: str) -> bool:
        return self.user is None or can(self.user, IMPORT_NATIONAL.name, region_code)

    # entry point

    @without_cycle_collection
    def run(self, files: Files, *, commit: bool = False) -> Report:
        report = self.report
        sources = self._open_sources(files)
        digests = [source.sha256 for source in sources]
        self.file_names = [source.filename for source in sources]
        report.batch = "nat-" + hashlib.sha256("\n".join(sorted(digests)).encode()).hexdigest()[:24]
        report.details = self.notes = {"year": self.year, "unknown_headers": []}
        if report.errors:
            return self._finish_national(commit=False)
        self.progress(0, 0, gettext_noop("Reading the file"))
        synonyms = header_synonyms()
        people_spec, work_spec = layout.people_spec(synonyms), layout.work_spec(synonyms)
        tables = load_tables(sources, (people_spec, work_spec), report)
        del sources[:]  # the workbooks: the tables hold what is needed
        self.people_table = tables.get(people_spec.name)
        self.work_table = tables.get(work_spec.name)
        if self.people_table is None and not report.errors:
            report.add("", None, "", "", problem("no_person_sheet"))
        if report.errors:
            return self._finish_national(commit=False)
        self._report_unknown_headers(tables.values())
        self._skip_unchanged()
        self._load_reference()
        self.counties_known = self.counties.__contains__
        self._read_people(self.people_table)
        if self.work_table is not None:
            self._read_work(self.work_table)
        for number, hh in self.national.items():
            hh.digest = self.raw_digests.get(number, "")
            self._read_household(self.people_table, hh)
            self._apply_spells(hh)
            self._check_per_capita(self.people_table, hh)
            self._case_digest(hh)
        self._match_existing()
        self._registry_checks()
        self._count_national_rows()
        for table in tables.values():
            table.frame = table.frame.clear()
        self.batch = report.batch
        self.plans = [p for p in self.households.values() if p.ok]
        self._plan_cases()
        writable = report.accepted > 0 and (report.ok or self.allow_partial)
        if commit and writable:
            return self._finish_national(commit=True)
        self._report_counts(self.plans, self._plan_all(self.plans))
        self._count_households()
        if commit:  # nothing will be written: say so, keep the plan as a detail
            report.details["planned"] = {"created": report.created, "updated": report.updated}
            report.created = report.updated = report.unchanged = 0
        return self._finish_national(commit=False)

    def _report_unknown_headers(self, tables) -> None:
        unknown: list[str] = []
        for table in tables:
            for header in table.unmatched:
                unknown.append(header)
                self.report.add(table.sheet, table.header_row, header, "", problem("unknown_header", header=header),
                                "warning")
        self.notes["unknown_headers"] = unknown

    # matching with what Shouwang knows

    def _skip_unchanged(self) -> None:
        """Households whose rows are those of their last takeover: counted unchanged, never parsed.

        A household's digest covers the text of each of its rows in both sheets (the columns as the
        layout reads them), the year and the county's label synonyms; computed column-wise, compared
        with the digest its national record keeps, and the rows of the equal ones are dropped.
        """
        seed = json.dumps([layout.LAYOUT_VERSION, self.year, sorted(
            (table, sorted((text, str(value)) for text, value in labels.items()))
            for table, labels in label_synonyms().items())], ensure_ascii=False)
        hashes: dict[str, Any] = {}
        for table in (self.people_table, self.work_table):
            if table is None:
                continue
            keys = sorted(k for k in table.frame.columns if k != "_row")
            lines = table.frame.select(
                pl.col("number").str.strip_suffix(".0").alias("number"),
                pl.concat_str([pl.col(k).cast(pl.String).fill_null("\x00") for k in keys], separator="\x1f")
                .alias("line"))
            marker = f"\x1e{table.spec.name}\x1e{','.join(keys)}".encode()
            for number, line in lines.iter_rows():
                if number is None:
                    continue
                digest = hashes.get(number)
                if digest is None:
                    digest = hashes[number] = hashlib.sha256(seed.encode())
                digest.update(marker)
                digest.update(line.encode())
        self.raw_digests = {number: h.hexdigest() for number, h in hashes.items()}
        known: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(self.raw_digests)):
            for values in Household.objects.filter(national_number__in=chunk).values(
                "id", "number", "national_number", "region_code", "national_record__digest",
                "national_record__case_id",
            ):
                known[values["national_number"]] = values
        for number, values in known.items():
            if values["national_record__digest"] == self.raw_digests[number] and self.allowed(values["region_code"]):
                self.skipped.add(number)
                self.skipped_ids[number] = values["id"]
                self.skipped_regions.add(values["region_code"])
                self.skipped_cases += values["national_record__case_id"] is not None
        if not self.skipped:
            return
        skipped = pl.Series(sorted(self.skipped), dtype=pl.String)
        for table in (self.people_table, self.work_table):
            if table is None:
                continue
            keep = ~pl.col("number").str.strip_suffix(".0").is_in(skipped.implode())
            self.skipped_rows += table.frame.height - table.frame.filter(keep).height
            table.frame = table.frame.filter(keep)

    def _match_existing(self) -> None:
        """Each household to its Shouwang household: by national number, else by its members' ID numbers."""
        numbers = list(self.national)
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(numbers):
            for values in Household.objects.filter(national_number__in=chunk).values(
                "id", "number", "national_number", "region_code",
            ):
                found[values["national_number"]] = values
        unmatched = [n for n in numbers if n not in found]
        for chunk in _chunks(unmatched):  # a household first taken over under Shouwang's number = 户编号
            for values in Household.objects.filter(number__in=chunk, national_number="").values(
                "id", "number", "national_number", "region_code",
            ):
                found[values["number"]] = values
        by_index: dict[str, str] = {}
        for number in numbers:
            if number not in found:
                for member in self.national[number].members:
                    if member.id_index:
                        by_index[member.id_index] = number
        if by_index:
            owners: dict[str, set[int]] = defaultdict(set)
            rows: dict[int, dict[str, Any]] = {}
            for chunk in _chunks(list(by_index)):
                for index, hid, hnumber, hnational, region in Member.objects.filter(id_index__in=chunk).values_list(
                    "id_index", "household_id", "household__number", "household__national_number",
                    "household__region_code",
                ):
                    owners[by_index[index]].add(hid)
                    rows[hid] = {"id": hid, "number": hnumber, "national_number": hnational, "region_code": region}
            for number, ids in owners.items():
                if len(ids) == 1:
                    candidate = rows[next(iter(ids))]
                    if not candidate["national_number"]:
                        found[number] = candidate
        ids = [v["id"] for v in found.values()]
        for chunk in _chunks(ids):
            for values in NationalRecord.objects.filter(household_id__in=chunk).values(
                "id", "household_id", "digest", "case_digest", "case_id",
            ):
                self.records[values["household_id"]] = values
        self.matched = found

    def _registry_checks(self) -> None:
        """Hand the households that may change to the registry importer's cross-checks."""
        table = self.people_table
        assert table is not None
        members_present = {f for f, cols in MEMBER_FIELDS.items() if any(table.has(c) for c in cols)}
        members_present |= {"sex", "birth_year"}
        if self.work_table is not None:
            members_present |= {"work_months", "work_location"}
        self.set_fields_present(members_present, table.has("phone"),
                                {f for f, col in YEAR_FIELDS.items() if table.has(col)})
        # the registry's messages name the village column by its registry key
        table.headers = {"village_name": table.header("village"), **table.headers}
        for number, hh in self.national.items():
            if number in self.skipped:
                continue
            shouwang_number = self._shouwang_number(number)
            for member in hh.members:
                member.number = shouwang_number
                member.village = hh.village
                member.household_type = hh.household_type
            self.households[shouwang_number] = HouseholdPlan(
                shouwang_number, members=list(hh.members), years=[y for y in (hh.year, hh.after) if y is not None],
                ok=hh.ok, extra={"national_number": number})
        self.tables = {MEMBERS.name: table}
        self._check_households()
        for number, hh in self.national.items():
            if number in self.skipped:
                continue
            plan = self.households[self._shouwang_number(number)]
            hh.ok = hh.ok and plan.ok and all(m.ok for m in hh.members)
            plan.ok = hh.ok

    def _shouwang_number(self, national_number: str) -> str:
        existing = self.matched.get(national_number)
        return existing["number"] if existing else national_number

    def _count_national_rows(self) -> None:
        report = self.report
        people_rows = self.people_table.frame.height if self.people_table is not None else 0
        work_rows = self.work_table.frame.height if self.work_table is not None else 0
        report.total = people_rows + work_rows
        accepted = sum(len(hh.rows) for hh in self.national.values() if hh.ok)
        spells = sum(len(raw.get("spells", ())) for hh in self.national.values() if hh.ok
                     for raw in hh.people_raw.values())
        report.total += self.skipped_rows
        report.accepted = accepted + spells + self.skipped_rows
        report.rejected = report.total - report.accepted

    def _count_households(self) -> None:
        report = self.report
        details = report.details
        registry_changed = {p.number for p in self.households.values() if p.changed}
        created = updated = 0
        unchanged = len(self.skipped)
        for number, hh in self.national.items():
            if not hh.ok:
                continue
            shouwang_number = self._shouwang_number(number)
            if number not in self.matched:
                created += 1
            elif shouwang_number in registry_changed or number in self.case_changed:
                updated += 1
            else:
                unchanged += 1
        report.created, report.updated, report.unchanged = created, updated, unchanged
        details.update(self.notes)
        details["households"] = {"created": created, "updated": updated, "unchanged": unchanged}
        details.setdefault("members", {"created": 0, "updated": 0, "unchanged": 0})
        details.setdefault("years", {"created": 0, "updated": 0, "unchanged": 0})
        details["cases"] = dict(self.case_counts)
        details["cases"]["unchanged"] += self.skipped_cases
        details["reconciliation"] = len(self.case_writes.reconcile)

    # commit

    def _finish_national(self, commit: bool) -> Report:
        report = self.report
        if not commit:
            self._log_national_access()
            return report
        self.progress(0, 0, gettext_noop("Writing to the registry"))
        with bulk_transaction():
            counts = new_counts()
            self.start_writing(len(self.plans))
            for chunk in _chunks(self.plans, PLAN_CHUNK):
                self.write_planned(self.plan_households(chunk, counts), chunk)
            self._report_counts(self.plans, counts)
            self._count_households()
            ids = self._household_ids()
            self.progress(0, 0, gettext_noop("Writing the cases"))
            self._write_cases(ids)
            report.committed = True
            self._log_national_access()
            transaction.on_commit(lambda: data_changed.send(sender=Household, part="registry", region_codes=None))
            transaction.on_commit(lambda: data_changed.send(sender=Case, part="cases", region_codes=None))
            years = self.changed_years
            announce_households_changed(Household, self.changed_ids, year=max(years) if years else None,
                                        user=self.user)
        self._check_quality(ids)
        return report

    def _household_ids(self) -> dict[str, int]:
        """National number → household id, for every accepted household of the file."""
        ids = dict(self.household_ids)
        wanted = [self._shouwang_number(n) for n, hh in self.national.items() if hh.ok]
        missing = [n for n in wanted if n not in ids]
        for chunk in _chunks(missing):
            ids.update(Household.objects.filter(number__in=chunk).values_list("number", "id"))
        return {n: ids[self._shouwang_number(n)] for n, hh in self.national.items()
                if hh.ok and self._shouwang_number(n) in ids} | self.skipped_ids

    def _check_quality(self, ids: dict[str, int]) -> None:
        """Run the data-quality rules over the counties written, and count the file's households' findings."""
        from shouwang.supervision.quality.models import DataQualityFinding
        from shouwang.supervision.quality.services import run_checks

        villages = {hh.village for hh in self.national.values() if hh.ok and hh.village} | self.skipped_regions
        counties = sorted({v[:6] for v in villages})
        if not counties:
            return
        from shouwang.supervision.quality.models import DataQualityRun

        changed = self.report.created or self.report.updated or self.case_changed
        runs = [DataQualityRun.objects.filter(region_code=county, finished_at__isnull=False).order_by("-id").first()
                for county in counties] if not changed else []
        if changed or not all(runs):  # the findings of a file that changed nothing are those of the last run
            self.progress(0, 0, gettext_noop("Checking data quality"))
            runs = [run_checks(county, self.year, user=self.user) for county in counties]
        household_ids = list(ids.values())
        counts: dict[str, int] = defaultdict(int)
        for chunk in _chunks(household_ids):
            for rule in DataQualityFinding.objects.filter(
                run__in=runs, household_id__in=chunk,
            ).values_list("rule", flat=True):
                counts[rule] += 1
        self.report.details["quality"] = {"run": runs[-1].pk, "runs": [r.pk for r in runs],
                                          "rules": dict(sorted(counts.items()))}

    def _log_national_access(self) -> None:
        report = self.report
        record_access(
            "import", object_type="national_import", object_id=report.batch,
            object_repr=", ".join(self.file_names)[:200], region_code=home_region(self.user) or "",
            detail={k: v for k, v in report.to_dict().items() if k not in ("errors", "warning_details")}
            | {"errors": sum(1 for i in report.issues if i.severity == ERROR)},
        )


def import_national(files: Files, *, user=None, year: int | None = None, commit: bool = False,
                    allow_partial: bool = False, progress: Progress | None = None) -> Report:
    """Check and (when ``commit``) take over national export files; see the module docstring."""
    return NationalImport(user, year=year, allow_partial=allow_partial, progress=progress).run(files, commit=commit)
