"""Checking a feed: read the rows, check them, match them to members and plan the writes.

The import (:class:`~.services.FeedImport`) runs on :mod:`shouwang.core.imports`, from a file
(upload page, ``manage.py import_feed``) or from JSON rows (``POST /api/feeds/{type}/rows/``), the
same way:

1. **Check** every row: the ID number (a number-typed cell has lost digits: an error naming the
   row), the date (2024-03-05, 2024/3/5, 2024年3月5日, 20240305, Excel date cells), the amount
   (``1,234.50``, ``1234元``), the type-specific values. A row with an error is rejected and
   reported; the other rows go on (each row is its own event, so one typing error does not hold
   back a department's monthly file).
2. **Match** each ID number to a registry member through the blind index, in one query for the
   whole batch (an ``IN`` list for a small batch, one scan of the importer's region otherwise).
   A row whose person the registry does not know (or who lives outside the importer's region,
   which is not revealed) becomes a *lead*, listed in the report, never dropped.
3. **Plan** against what earlier imports stored, by each event's ``dedupe_key``:

   * with the department's record number (结算单号…): the key is (type, person, record number);
     rows of one file sharing it are parts of one event and their amounts are added up;
   * without one: the key is (type, kind, person, date, n), n numbering the person's events of
     that date in order of amount.

   So importing the same file again changes nothing; a cumulative export that repeats earlier
   months adds only the new events; and a corrected re-export of the same month *replaces* the
   amounts it changes (reported as updated) instead of adding them a second time.

The fourth step, the commit, is :mod:`.services`'.

Counting. ``total`` = data rows; ``rejected`` = rows with an error; ``accepted`` = the rest
(linked to a member or kept as a lead). ``created`` / ``updated`` / ``unchanged`` count events
(signals and leads together; ``details`` splits them). Health details (diagnoses) are not
imported even when a file has them: screening needs the amounts, not the illness.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.core import crypto
from shouwang.core.idnumbers import ERROR_MESSAGES as ID_ERRORS
from shouwang.core.idnumbers import IdNumberError, mask_id_number, parse_id_number
from shouwang.core.imports import (
    ERROR,
    REQUIRED,
    WARNING,
    ImportFileError,
    Problem,
    Report,
    Table,
    iter_chunks,
    locate,
    normalise_header,
    open_source,
    parse_amount,
    parse_date,
    parse_int,
)
from shouwang.core.imports import problem as engine_problem
from shouwang.core.permissions import home_region, restrict
from shouwang.registry.models import Member

from .catalogue import Classified, _problem, aliases_for, category_check, feed_spec
from .models import FeedBatch, FeedLead, FeedSignal, FeedType
from .permissions import FEED

Progress = Callable[[int, int, str], None]


# --- the import ---------------------------------------------------------------------------------


@dataclass(slots=True)
class FeedRow:
    """One checked row, ready to be matched and written."""

    row: int
    id_number: str
    id_index: str
    name: str
    kind: str
    date: date
    amount: Decimal | None
    category: str
    reference: str
    detail: dict[str, Any]
    key: str = ""
    member: tuple[int, int, str] | None = None  # (member id, household id, region code)


SIGNAL_COMPARED = ("kind", "date", "amount", "category")
SIGNAL_FIELDS = (
    "household", "member", "region_code", "kind", "date", "amount", "category", "reference", "detail", "source",
    "batch", "file_name", "row_number", "dedupe_key",
)
LEAD_FIELDS = (
    "batch", "region_code", "feed_type", "kind", "id_number", "id_index", "id_masked", "name", "date", "amount",
    "category", "reference", "detail", "file_name", "row_number", "dedupe_key",
)
CHUNK = 900  # values per IN (...) list: under every database's parameter limit
MATCH_IN_LIMIT = 900  # distinct ID numbers matched with one IN list; more: one scan of the region
KEY_LOOKUP_LIMIT = 5000  # event keys looked up by IN lists; more: one scan of the feed's dates
KEY_WINDOW = timedelta(days=400)  # how far a corrected record may move its date and still be found
UNMATCHED_LISTED = 5000  # leads listed in a JSON summary; the batch page and the database have all
STORED_ISSUES = 2000  # issues of each severity kept with a batch; the job's report has them all


def api_max_rows() -> int:
    from django.conf import settings

    return int(settings.SHOUWANG_FEED_API_MAX_ROWS)


CENT = Decimal("0.01")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _fast_ids(frame: pl.DataFrame, today: date) -> list[str | None]:
    """The ID numbers that are plainly valid (18 ASCII characters, GB 11643 check digit, a real
    birth date from 1900 to today, a text cell), found for the whole column at once; None where
    ``parse_id_number`` must look at the cell (and explain what is wrong with it)."""
    ids = pl.col("id_number").str.to_uppercase()
    total = sum(ids.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(ID_WEIGHTS))
    check = (total % 11).replace_strict(list(range(11)), list("10X98765432"), return_dtype=pl.String)
    born = ids.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    ok = ids.str.contains(r"^\d{17}[\dX]$") & (check == ids.str.slice(17, 1)) & born.is_between(date(1900, 1, 1),
                                                                                             today)
    if "_num_id_number" in frame.columns:
        ok = ok & ~pl.col("_num_id_number")
    return frame.select(pl.when(ok).then(ids).otherwise(None)).to_series().to_list()


def _fast_amounts(series: pl.Series) -> list[str | None]:
    """Plain amounts ('1,234.50', '1234元', '2400') as bare decimal text for the whole column;
    None for any other cell (full-width digits, ¥, three decimals, a negative or not a number),
    which ``parse_amount`` then reads or explains."""
    cleaned = series.str.replace_all(r"[\s,]", "").str.replace(r"(?:元整|元|圆)$", "")
    return pl.select(pl.when(cleaned.str.contains(r"^\d{1,10}(?:\.\d{1,2})?$")).then(cleaned)).to_series().to_list()


def _clean_texts(series: pl.Series) -> list[str | None]:
    """Free text with runs of white space made one space and trimmed, as ``parse_text`` does."""
    return series.str.replace_all(r"\s+", " ").str.strip_chars().to_list()


def _amount(raw: Any, fast: str | None, memo: dict[str, Decimal], blank: Any) -> tuple[Decimal | None, Problem | None]:
    if fast is not None:
        try:
            return memo[fast], None
        except KeyError:
            memo[fast] = value = Decimal(fast).quantize(CENT)
            return value, None
    return parse_amount(raw, blank=blank)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class FeedCheck(ABC):
    """The checking half of the import (:class:`~.services.FeedImport`): read, check, match and plan.

    Nothing is written here; ``_finish`` (commit when asked, log the access) is the subclass's.
    """

    def __init__(self, feed_type: str, user=None, *, channel: str = FeedBatch.Channel.UPLOAD,
                 progress: Progress | None = None, today: date | None = None) -> None:
        self.spec = feed_spec(feed_type)
        self.feed_type = self.spec.type
        self.user = user
        self.channel = channel
        self.progress = progress or (lambda done, total, message: None)
        self.today = today or timezone.localdate()
        # The importer's region (None: the system, the whole deployment): where the batch is filed
        # and whose column names apply. Whom a row may match is ``restrict``'s (``_match``).
        self.prefix: str | None = (home_region(user) or "") if user is not None else None
        self.sheet_spec = self.spec.sheet_spec(aliases_for(self.feed_type, self.prefix))
        self.report = Report()
        self.file_name = ""
        self.sha256 = ""
        self.rows: list[FeedRow] = []
        self.rejected_rows: set[int] = set()
        self.unmatched: list[dict[str, Any]] = []
        self.batch: FeedBatch | None = None
        self.promoted = 0
        self._plan: dict[str, list] = {}

    # entry points

    def run_file(self, content: bytes | str | Path | IO[bytes], filename: str, *, commit: bool = False) -> Report:
        """Check a spreadsheet or CSV file; commit its good rows when ``commit``."""
        report = self.report
        self.file_name = Path(filename).name[:255]
        try:
            source = open_source(content, filename)
        except ImportFileError as exc:
            report.add(exc.sheet or self.file_name, exc.row, "", "", exc.problem)
            return self._finish(commit=False)
        except OSError:
            report.add(self.file_name, None, "", "", engine_problem("unreadable_file"))
            return self._finish(commit=False)
        self.sha256 = source.sha256
        self.progress(0, 0, gettext_noop("Reading the file"))
        table = self._locate(source)
        if table is None or report.errors:
            return self._finish(commit=False)
        return self._process(table, commit)

    def _locate(self, source) -> Table | None:
        """The first sheet with the feed's headers (a department file has one sheet of data, and
        its name varies); when none has them, the first sheet's missing columns are reported."""
        first: ImportFileError | None = None
        try:
            for sheet in source.sheet_names:
                try:
                    return locate(source, sheet, self.sheet_spec)
                except ImportFileError as exc:
                    if exc.code != "missing_columns":
                        self.report.file_error(exc, sheet=sheet)
                        return None
                    first = first or exc
        finally:
            source.release()
        if first is not None:
            self.report.file_error(first)
        else:
            self.report.add(self.file_name, None, "", "", engine_problem("empty_file"))
        return None

    def run_rows(self, payload: Any, *, name: str = "api", commit: bool = False) -> Report:
        """Check JSON rows (canonical keys or Chinese headers); a JSON number as an ID is refused
        exactly like a number cell. Same checks, keys and writes as a file."""
        report = self.report
        self.file_name = name[:255]
        rows = payload.get("rows") if isinstance(payload, dict) else payload
        if not isinstance(rows, list):
            report.add(name, None, "", "", _problem("not_a_list"))
            return self._finish(commit=False)
        if not rows:
            report.add(name, None, "", "", _problem("no_rows"))
            return self._finish(commit=False)
        if len(rows) > api_max_rows():
            report.add(name, None, "", "", _problem("too_many_api_rows", rows=len(rows), limit=api_max_rows()))
            return self._finish(commit=False)
        canonical = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str).encode()
        self.sha256 = hashlib.sha256(canonical).hexdigest()
        table = self._table_from_rows(rows, name)
        if table is None or report.errors:
            return self._finish(commit=False)
        return self._process(table, commit)

    def _table_from_rows(self, rows: list[Any], name: str) -> Table | None:
        report = self.report
        names: dict[str, str] = {}
        for column in self.sheet_spec.columns:
            names[normalise_header(column.key)] = column.key
            for n in column.names():
                names.setdefault(n, column.key)
        columns: dict[str, list[Any]] = {c.key: [None] * len(rows) for c in self.sheet_spec.columns}
        numeric = [False] * len(rows)
        headers: dict[str, str] = {}
        unknown: set[str] = set()
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                report.add(name, i + 1, "", "", _problem("not_an_object"))
                continue
            for given, value in row.items():
                key = names.get(normalise_header(given))
                if key is None:
                    unknown.add(str(given))
                    continue
                headers.setdefault(key, str(given))
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if key == "id_number" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    numeric[i] = True
                columns[key][i] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for given in sorted(unknown):
            report.add(name, None, given, "", _problem("unknown_field", field=given), WARNING)
        if report.errors:
            return None
        missing = [c.label for c in self.sheet_spec.columns if c.required and c.key not in headers]
        if missing:
            report.add(name, None, "", "", engine_problem("missing_columns", scan=0, columns=", ".join(missing)))
            return None
        found = [c.key for c in self.sheet_spec.columns if c.key in headers]
        frame = pl.DataFrame(
            {"_row": list(range(1, len(rows) + 1)),
             **{key: [None if v is None else str(v).strip() or None for v in columns[key]] for key in found},
             "_num_id_number": numeric},
            schema={"_row": pl.Int64, **dict.fromkeys(found, pl.String), "_num_id_number": pl.Boolean},
        )
        return Table(spec=self.sheet_spec, sheet=name, header_row=0, headers=headers, frame=frame, filename=name)

    @abstractmethod
    def _finish(self, commit: bool) -> Report:
        """Commit (when asked and there is something to write) and log the access: the subclass's part."""

    # the phases

    def _process(self, table: Table, commit: bool) -> Report:
        report = self.report
        self.progress(0, 0, gettext_noop("Checking the rows"))
        self._check(table)
        self._check_categories(table)
        report.total = table.frame.height
        report.rejected = len(self.rejected_rows)
        report.accepted = report.total - report.rejected
        self.progress(0, 0, gettext_noop("Matching ID numbers with the registry"))
        self._merge_references(table)
        self._match(table)
        self._assign_keys()
        self.progress(0, 0, gettext_noop("Comparing with earlier imports"))
        self._plan_changes()
        return self._finish(commit=commit)

    def _error(self, table: Table, row: int, key: str, value: Any, prob: Problem) -> None:
        table.report(self.report, row, key, value, prob, ERROR)
        self.rejected_rows.add(row)

    def _check(self, table: Table) -> None:
        """Check every row. The common case of each column (a plain 18-character ID number, a
        plain amount, text) is recognised for the whole column at once by polars; only the
        other cells go through the engine's parsers one by one, which also explain what is wrong."""
        spec, today, frame = self.spec, self.today, table.frame
        height = frame.height
        column = frame.get_column

        def values(key: str) -> list[Any]:
            return column(key).to_list() if key in frame.columns else [None] * height

        rows = column("_row").to_list()
        raw_ids = values("id_number")
        numeric = values("_num_id_number") if "_num_id_number" in frame.columns else [False] * height
        fast_ids = _fast_ids(frame, today) if "id_number" in frame.columns else [None] * height
        raw_dates = values("date")
        dates = {raw: parse_date(raw, blank=REQUIRED, high=today) for raw in set(raw_dates)}
        amount_key = spec.amount
        raw_amounts = values(amount_key) if amount_key else [None] * height
        fast_amounts = _fast_amounts(column(amount_key)) if amount_key and amount_key in frame.columns else None
        texts = {key: _clean_texts(column(key)) if key in frame.columns else [None] * height
                 for key in ("name", "reference", spec.category, *spec.details) if key}
        limits = {"name": 60, "reference": 64, spec.category: 40}
        extra_amounts = {key: (values(key), _fast_amounts(column(key)) if key in frame.columns else None)
                         for key in spec.amount_details}
        extra_ints = {key: (values(key), high) for key, high in spec.int_details}
        extra_dates = {key: values(key) for key in spec.date_details}
        classify_key, classify = spec.classify if spec.classify else (None, None)
        raw_classes = values(classify_key) if classify_key else None
        classified: dict[Any, Classified] = {}
        amounts: dict[str, Decimal] = {}
        indexes: dict[str, str] = {}
        cert_ids = self.feed_type == FeedType.DISABILITY
        index = crypto.blind_index

        for i in range(height):
            row = rows[i]
            ok = True
            number = fast_ids[i]
            cert_grade = None
            if number is None:
                raw_id = raw_ids[i]
                if raw_id is None:
                    self._error(table, row, "id_number", "", engine_problem("required"))
                    ok = False
                elif numeric[i]:
                    self._error(table, row, "id_number", raw_id, Problem("numeric_cell", ID_ERRORS["numeric_cell"]))
                    ok = False
                else:
                    candidate = raw_id
                    if cert_ids and len(candidate) == 20 and candidate[:17].isdigit():
                        candidate, cert_grade = candidate[:18], candidate[19]  # 残疾人证号: ID + type + grade
                    try:
                        number = parse_id_number(candidate, today=today).number
                    except IdNumberError as exc:
                        self._error(table, row, "id_number", raw_id,
                                    Problem(exc.code, ID_ERRORS[exc.code], dict(exc.params)))
                        ok = False
            when, prob = dates[raw_dates[i]]
            if prob:
                self._error(table, row, "date", raw_dates[i], prob)
                ok = False
            amount = None
            if amount_key:
                amount, prob = _amount(raw_amounts[i], fast_amounts[i] if fast_amounts else None, amounts,
                                       REQUIRED if spec.amount_required else None)
                if prob:
                    self._error(table, row, amount_key, raw_amounts[i], prob)
                    ok = False
            text: dict[str, str] = {}
            for key, cleaned in texts.items():
                value = cleaned[i]
                if value:
                    limit = limits.get(key, 100)
                    if len(value) > limit:
                        self._error(table, row, key, value, engine_problem("too_long", length=len(value), limit=limit))
                        ok = False
                    text[key] = value
            kind, category = spec.kind, text.get(spec.category, "") if spec.category else ""
            if classify is not None:
                raw = raw_classes[i] if raw_classes[i] is not None else cert_grade
                try:
                    kind, category, prob = classified[raw]
                except KeyError:
                    kind, category, prob = classified[raw] = classify(raw)
                if prob:
                    self._error(table, row, classify_key, raw, prob)
                    ok = False
            detail = {key: text[key] for key in spec.details if key in text}
            for key, (raw_values, fast) in extra_amounts.items():
                if raw_values[i] is not None:
                    value, prob = _amount(raw_values[i], fast[i] if fast else None, amounts, None)
                    if prob:
                        self._error(table, row, key, raw_values[i], prob)
                        ok = False
                    else:
                        detail[key] = str(value)
            for key, (raw_values, high) in extra_ints.items():
                if raw_values[i] is not None:
                    value, prob = parse_int(raw_values[i], low=0, high=high)
                    if prob:
                        self._error(table, row, key, raw_values[i], prob)
                        ok = False
                    else:
                        detail[key] = value
            for key, raw_values in extra_dates.items():
                if raw_values[i] is not None:
                    value, prob = parse_date(raw_values[i], high=today)
                    if prob:
                        self._error(table, row, key, raw_values[i], prob)
                        ok = False
                    elif value is not None:
                        detail[key] = value.isoformat()
            if ok:
                try:
                    id_index = indexes[number]
                except KeyError:
                    id_index = indexes[number] = index(number)
                self.rows.append(FeedRow(row, number, id_index, text.get("name", ""), kind, when, amount, category,
                                         text.get("reference", ""), detail))

    def _check_categories(self, table: Table) -> None:
        """Rows whose category a part above does not know (a policy not in the catalogue): a warning
        naming the row; the row is kept."""
        registered = category_check(self.feed_type)
        if registered is None or not self.rows:
            return
        check, what = registered
        unknown = check({row.category for row in self.rows if row.category}, self.prefix)
        for row in self.rows:
            if row.category in unknown:
                table.report(self.report, row.row, self.spec.category or "", row.category,
                             _problem("unknown_category", value=row.category, what=str(what)), WARNING)

    def _merge_references(self, table: Table) -> None:
        """Rows of one person sharing a record number are one event: add their amounts up."""
        first: dict[tuple[str, str], FeedRow] = {}
        kept: list[FeedRow] = []
        for row in self.rows:
            if not row.reference:
                kept.append(row)
                continue
            other = first.get((row.id_index, row.reference))
            if other is None:
                first[(row.id_index, row.reference)] = row
                kept.append(row)
                continue
            if row.amount is not None:
                other.amount = (other.amount or Decimal(0)) + row.amount
            other.detail.setdefault("rows", [other.row]).append(row.row)
            table.report(self.report, row.row, "reference", row.reference,
                         _problem("merged_reference", reference=row.reference, row=other.row), WARNING)
        self.rows = kept

    def _match(self, table: Table) -> None:
        """Link rows to members through the blind index: one query for the whole batch."""
        indexes = {row.id_index for row in self.rows}
        members = Member.objects.exclude(id_index="")
        if self.user is not None:
            members = restrict(self.user, members, FEED.name)
        columns = ("id_index", "id", "household_id", "region_code")
        if len(indexes) <= MATCH_IN_LIMIT:
            found = members.filter(id_index__in=list(indexes)).values_list(*columns) if indexes else []
        else:
            found = _raw_rows(members.values_list(*columns))
        known = {}
        for id_index, member_id, household_id, region_code in found:
            if id_index in indexes:
                known[id_index] = (member_id, household_id, region_code)
        for row in self.rows:
            row.member = known.get(row.id_index)
            if row.member is None:
                table.report(self.report, row.row, "id_number", row.id_number, _problem("unknown_person"), WARNING)
                if len(self.unmatched) < UNMATCHED_LISTED:
                    self.unmatched.append({
                        "row": row.row, "id_masked": mask_id_number(row.id_number), "name": row.name,
                        "kind": row.kind, "date": row.date.isoformat(),
                        "amount": None if row.amount is None else str(row.amount),
                    })

    def _assign_keys(self) -> None:
        groups: dict[tuple[str, str, date, str], list[FeedRow]] = defaultdict(list)
        by_category = self.spec.category_in_key
        for row in self.rows:
            if row.reference:
                row.key = _key(f"{self.feed_type}|{row.id_index}|ref|{row.reference}")
            else:
                groups[(row.kind, row.id_index, row.date, row.category if by_category else "")].append(row)
        for (kind, id_index, when, category), rows in groups.items():
            rows.sort(key=lambda r: (r.amount if r.amount is not None else Decimal(-1), r.row))
            for n, row in enumerate(rows, start=1):
                extra = f"|{category}" if by_category else ""
                row.key = _key(f"{self.feed_type}|{kind}|{id_index}|{when.isoformat()}|{n}{extra}")

    def _existing(self, model, keys: list[str], fields: Sequence[str]) -> dict[str, tuple]:
        """Stored events by key; a large batch reads the feed's events around its dates in one query."""
        if not keys:
            return {}
        type_field = "source" if model is FeedSignal else "feed_type"
        found: dict[str, tuple] = {}
        if len(keys) <= KEY_LOOKUP_LIMIT:
            for chunk in iter_chunks(keys, CHUNK):
                for values in model.objects.filter(dedupe_key__in=list(chunk)).values_list("dedupe_key", *fields):
                    found[values[0]] = values[1:]
            return found
        low = min(r.date for r in self.rows) - KEY_WINDOW
        high = max(r.date for r in self.rows) + KEY_WINDOW
        wanted = set(keys)
        qs = model.objects.filter(**{type_field: self.feed_type}, date__gte=low, date__lte=high)
        for values in _raw_rows(qs.exclude(dedupe_key=None).values_list("dedupe_key", *fields)):
            if values[0] in wanted:
                found[values[0]] = values[1:]
        return found

    def _plan_changes(self) -> None:
        keys = [row.key for row in self.rows]
        signals = self._existing(FeedSignal, keys, ("id", *SIGNAL_COMPARED))
        leads = self._existing(FeedLead, keys, ("id", "resolved_signal_id", *SIGNAL_COMPARED))
        plan = self._plan = {"new_signals": [], "signal_updates": [], "new_leads": [], "lead_updates": []}
        counts = {"signals": defaultdict(int), "leads": defaultdict(int)}
        for row in self.rows:
            values = (row.kind, row.date, row.amount, row.category)
            if row.member is not None:
                stored = signals.get(row.key)
                if stored is None:
                    plan["new_signals"].append(row)
                    counts["signals"]["created"] += 1
                elif _differs(stored[1:], values):
                    plan["signal_updates"].append((stored[0], stored[1:], row))
                    counts["signals"]["updated"] += 1
                else:
                    counts["signals"]["unchanged"] += 1
                continue
            if row.key in signals:  # the person was linked by an earlier import: nothing new
                counts["signals"]["unchanged"] += 1
                continue
            stored = leads.get(row.key)
            if stored is None:
                plan["new_leads"].append(row)
                counts["leads"]["created"] += 1
            elif _differs(stored[2:], values):
                plan["lead_updates"].append((stored[0], stored[2:], row))
                counts["leads"]["updated"] += 1
            else:
                counts["leads"]["unchanged"] += 1
        report = self.report
        for what in ("created", "updated", "unchanged"):
            setattr(report, what, counts["signals"][what] + counts["leads"][what])
        matched = sum(1 for row in self.rows if row.member is not None)
        report.details.update({
            "feed_type": self.feed_type,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "matched": matched,
            "unmatched": len(self.rows) - matched,
            "signals": {k: counts["signals"][k] for k in ("created", "updated", "unchanged")},
            "leads": {k: counts["leads"][k] for k in ("created", "updated", "unchanged")},
        })


def _differs(stored: Sequence[Any], values: Sequence[Any]) -> bool:
    """Whether a stored event (read raw: SQLite gives dates as text and amounts as numbers)
    differs from a row in what screening uses: kind, date, amount, category."""
    kind, when, amount, category = stored
    new_kind, new_date, new_amount, new_category = values
    if amount is not None:
        amount = Decimal(str(amount)).quantize(CENT)
    return (kind, str(when)[:10], amount, category) != (new_kind, new_date.isoformat(), new_amount, new_category)


def _raw_rows(queryset) -> Iterable[tuple]:
    """A ``values_list`` queryset's rows straight from the cursor, without Django's per-value
    converters: a county's members or a year of events are read in one query, and the
    columns read this way are plain text and numbers."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20_000):
            yield from batch
