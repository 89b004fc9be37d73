"""The two-phase spreadsheet import engine: read a file safely, check every row, report.

Every import (the registry now, department feeds later) goes the same way:

1. **Open** the upload (:func:`open_source`): size limit, then by content, not by name, an xlsx
   (a zip, checked as a container before anything parses it: security.md §3.3), a legacy xls
   (OLE2) or a CSV (UTF-8 with or without BOM, else GB18030; undecodable bytes make the file
   unreadable, never silently replaced).
2. **Locate** each expected sheet and its header row (:func:`load_tables`): the header may sit
   below title rows; headers are matched through synonyms after folding full-width forms,
   spaces, line breaks and asterisks; extra columns are ignored. Every cell is read as text
   (calamine through fastexcel: fast, and it reads .xls), and for ID-number columns the engine
   also remembers which cells were *numbers* in the spreadsheet: Excel keeps 15 significant
   digits, so 433122198506151234 typed as a number comes back as 433122198506151168 and can
   only be rejected with "format the column as text" (ecosystem.md §6.2).
3. **Check** rows with the value parsers below, which return ``(value, problem)`` and never
   raise, collecting :class:`Issue` s (sheet, the row number the user sees, column, value,
   reason) into a :class:`Report`.
4. **Commit** is the caller's: one transaction, bulk writes, only when asked.

Messages are English msgids rendered with the active language when shown, so one stored
report reads in Chinese or English.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import functools
import gc
import hashlib
import io
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from . import xlsx
from .crypto import mask_phone
from .exports import write_csv, write_xlsx
from .idnumbers import mask_id_number

# --- messages ---------------------------------------------------------------------------------

MESSAGES: dict[str, str] = {
    # file level
    "file_too_large": gettext_noop("The file is {size} MB; the limit is {limit} MB."),
    "empty_file": gettext_noop("The file is empty."),
    "unsupported_type": gettext_noop("Unsupported file type: upload an .xlsx, .xls or .csv file."),
    "macro_file": gettext_noop(
        "Files with macros (xlsm, vbaProject) are not accepted: save the workbook as .xlsx."
    ),
    "zip_unreadable": gettext_noop(
        "The file is not a readable xlsx workbook (damaged, or another kind of file " "renamed to .xlsx)."
    ),
    "zip_too_many_parts": gettext_noop("The workbook has {count} parts; at most {limit} are allowed."),
    "zip_unsafe_path": gettext_noop("The workbook contains a part with an unsafe path."),
    "zip_symlink": gettext_noop("The workbook contains a symbolic link."),
    "zip_bomb": gettext_noop(
        "A part of the workbook is compressed more than {ratio}:1; the file is refused as a "
        "possible zip bomb."
    ),
    "zip_too_large": gettext_noop("The workbook is {size} MB uncompressed; at most {limit} MB are allowed."),
    "not_ooxml": gettext_noop("The file is a zip archive but not an Excel workbook."),
    "unreadable_file": gettext_noop("The file could not be read as a spreadsheet."),
    "unreadable_encoding": gettext_noop(
        "The CSV file is neither UTF-8 nor GB18030 text; save it again as CSV UTF-8."
    ),
    "field_too_long": gettext_noop("A field of the CSV file is longer than {limit} characters; the file is refused."),
    "nul_byte": gettext_noop("The CSV file contains NUL bytes; it is not a text file."),
    "too_many_rows": gettext_noop("The sheet has {rows} rows; at most {limit} can be imported at once."),
    "too_many_columns": gettext_noop("The sheet has {columns} columns; at most {limit} are allowed."),
    "too_many_cells": gettext_noop(
        "The workbook has more than {limit} filled cells; split it into smaller files."
    ),
    "row_too_large": gettext_noop("A row of the sheet holds more than {limit} MB of text; the file is refused."),
    "missing_columns": gettext_noop(
        "No header row with the required columns was found in the first {scan} rows; missing: {columns}."
    ),
    "no_sheet": gettext_noop("No sheet with the expected headers was found (expected sheets: {sheets})."),
    "duplicate_sheet": gettext_noop("The sheet {sheet} was supplied twice; only the first one was read."),
    # cell level
    "required": gettext_noop("A value is required."),
    "too_long": gettext_noop("The value is {length} characters long; at most {limit} are allowed."),
    "formula_text": gettext_noop(
        "“{value}” starts like a spreadsheet formula; formulas are not accepted: enter the plain text."
    ),
    "not_a_number": gettext_noop("“{value}” is not a number."),
    "negative": gettext_noop("The amount may not be negative: {value}."),
    "out_of_range": gettext_noop("{value} is outside the allowed range {low}–{high}."),
    "not_an_integer": gettext_noop("“{value}” is not a whole number."),
    "not_a_boolean": gettext_noop("“{value}” is not a yes/no value (use 是 or 否)."),
    "unknown_choice": gettext_noop("Unknown value “{value}”; expected one of: {choices}."),
    "not_a_date": gettext_noop("“{value}” is not a date (for example 2024-03-05)."),
    "not_a_year": gettext_noop("“{value}” is not a year between {low} and {high}."),
}


def render(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """Translate a msgid in the active language and fill in its named ``{placeholders}``."""
    text = gettext(msgid)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):  # a broken translation must not hide the report
        return msgid.format(**params)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a value was refused: a stable code, an English msgid and its parameters."""

    code: str
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return render(self.msgid, self.params)


def problem(code: str, /, **params: Any) -> Problem:
    """A :class:`Problem` with one of the engine's own messages."""
    return Problem(code, MESSAGES[code], params)


def problem_with(code: str, msgid: str, /, **params: Any) -> Problem:
    """A :class:`Problem` with a message of the importer's own (an English msgid)."""
    return Problem(code, msgid, params)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (too big, not a spreadsheet, headers missing...)."""

    def __init__(
        self, code: str, *, sheet: str = "", row: int | None = None, msgid: str | None = None, **params: Any
    ) -> None:
        self.code = code
        self.sheet = sheet
        self.row = row
        self.problem = Problem(code, msgid or MESSAGES[code], params)
        super().__init__(self.problem.msgid.format(**params))

    def __str__(self) -> str:
        return self.problem.reason


# --- issues and the report --------------------------------------------------------------------

ERROR, WARNING = "error", "warning"


@dataclass(slots=True)
class Issue:
    """One problem found in one cell (or row, or file). ``row`` is the row number the user sees
    in the spreadsheet (1-based, title and header rows counted); None for the file as a whole."""

    sheet: str
    row: int | None
    column: str
    value: str
    code: str
    message: str  # the English msgid
    params: dict[str, Any] = field(default_factory=dict)
    severity: str = ERROR

    @property
    def reason(self) -> str:
        return render(self.message, self.params)

    def to_dict(self, portable: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "reason": self.reason,
        }
        if portable:
            data["message"] = self.message
            data["params"] = self.params
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], severity: str = ERROR) -> Issue:
        return cls(
            sheet=data.get("sheet", ""),
            row=data.get("row"),
            column=data.get("column", ""),
            value=data.get("value", ""),
            code=data.get("code", ""),
            message=data.get("message") or data.get("reason", ""),
            params=dict(data.get("params") or {}),
            severity=severity,
        )


@dataclass
class Report:
    """The outcome of a check or an import; :meth:`to_dict` is the documented JSON shape.

    ``total`` counts data rows read, ``accepted + rejected == total`` always; ``created``,
    ``updated`` and ``unchanged`` are the importer's own counts (it documents what it counts).
    """

    total: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)
    committed: bool = False
    batch: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def add(
        self, sheet: str, row: int | None, column: str, value: Any, prob: Problem, severity: str = ERROR
    ) -> Issue:
        issue = Issue(
            sheet,
            row,
            column,
            "" if value is None else str(value),
            prob.code,
            prob.msgid,
            dict(prob.params),
            severity,
        )
        self.issues.append(issue)
        return issue

    def file_error(self, exc: ImportFileError, sheet: str = "") -> Issue:
        return self.add(exc.sheet or sheet, exc.row, "", "", exc.problem)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted_issues(self) -> list[Issue]:
        return sorted(self.issues, key=lambda i: (i.severity != ERROR, i.sheet, i.row or 0, i.column))

    def to_dict(self, portable: bool = False) -> dict[str, Any]:
        """``{"total", "accepted", "rejected", "created", "updated", "unchanged", "warnings",
        "errors": [{"sheet", "row", "column", "reason", "value", "code"}...]}`` plus
        ``warning_details``, ``committed``, ``batch`` and ``details``. ``portable`` adds each
        issue's msgid and parameters so :meth:`from_dict` can render it again in another language."""
        issues = self.sorted_issues()
        return {
            "total": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": sum(1 for i in issues if i.severity == WARNING),
            "errors": [i.to_dict(portable) for i in issues if i.severity == ERROR],
            "warning_details": [i.to_dict(portable) for i in issues if i.severity == WARNING],
            "committed": self.committed,
            "batch": self.batch,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        report = cls(
            **{
                k: data.get(k, 0)
                for k in ("total", "accepted", "rejected", "created", "updated", "unchanged")
            }
        )
        report.committed = bool(data.get("committed"))
        report.batch = data.get("batch", "")
        report.details = dict(data.get("details") or {})
        report.issues = [Issue.from_dict(d, ERROR) for d in data.get("errors", [])]
        report.issues += [Issue.from_dict(d, WARNING) for d in data.get("warning_details", [])]
        return report

    # downloads

    def download_headers(self) -> list[str]:
        return [
            gettext("Severity"),
            gettext("Sheet"),
            gettext("Row"),
            gettext("Column"),
            gettext("Value"),
            gettext("Reason"),
        ]

    def download_rows(self) -> Iterator[list[Any]]:
        labels = {ERROR: gettext("Error"), WARNING: gettext("Warning")}
        for i in self.sorted_issues():
            yield [labels.get(i.severity, i.severity), i.sheet, i.row, i.column, i.value, i.reason]

    def write_xlsx(self, target: str | Path | IO[bytes]) -> None:
        write_xlsx(target, self.download_headers(), self.download_rows(), sheet_name=gettext("Import report"))

    def write_csv(self, target: str | Path | IO[bytes]) -> None:
        write_csv(target, self.download_headers(), self.download_rows())


# --- reading: the upload as a container -------------------------------------------------------

XLSX, XLS, CSV = "xlsx", "xls", "csv"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ZIP_ENTRIES = 1000
MAX_RATIO = 100
RATIO_MIN_SIZE = 1024 * 1024  # a small entry compressing 100:1 (a blank styles part) is harmless
MAX_COLUMNS = 200
HEADER_SCAN_ROWS = 20


def max_rows() -> int:
    return int(settings.SHOUWANG_IMPORT_MAX_ROWS)


def max_cells() -> int:
    return int(settings.SHOUWANG_IMPORT_MAX_CELLS)


def _read_bytes(source: bytes | str | Path | IO[bytes]) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    return source.read()


def check_size(size: int) -> None:
    limit = settings.SHOUWANG_UPLOAD_MAX_BYTES
    if size > limit:
        raise ImportFileError("file_too_large", size=f"{size / 1048576:.1f}", limit=f"{limit / 1048576:.0f}")


def detect_kind(data: bytes, filename: str) -> str:
    """By content: a zip is xlsx, an OLE2 compound file is xls; anything else only as .csv/.txt."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlsb"):
        raise ImportFileError("macro_file" if suffix != ".xlsb" else "unsupported_type")
    if data.startswith(ZIP_MAGIC):
        return XLSX
    if data.startswith(OLE2_MAGIC):
        return XLS
    if suffix in (".csv", ".txt"):
        return CSV
    raise ImportFileError("unsupported_type")


def check_xlsx_container(data: bytes) -> None:
    """Refuse zip bombs, path tricks, symlinks and macro workbooks before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError("zip_unreadable") from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ImportFileError("zip_too_many_parts", count=len(entries), limit=MAX_ZIP_ENTRIES)
    total = 0
    for entry in entries:
        name = entry.filename
        if ".." in name.replace("\\", "/").split("/") or name.startswith(("/", "\\")) or ":" in name:
            raise ImportFileError("zip_unsafe_path")
        if (entry.external_attr >> 16) & 0o170000 == 0o120000:
            raise ImportFileError("zip_symlink")
        if name.lower().endswith("vbaproject.bin"):
            raise ImportFileError("macro_file")
        total += entry.file_size
        if entry.file_size > RATIO_MIN_SIZE and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise ImportFileError("zip_bomb", ratio=MAX_RATIO)
    limit = int(settings.SHOUWANG_IMPORT_MAX_UNCOMPRESSED)
    if total > limit:
        raise ImportFileError("zip_too_large", size=total // 1048576, limit=limit // 1048576)
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names:
        raise ImportFileError("not_ooxml")
    try:
        content_types = archive.read("[Content_Types].xml")[:200_000].lower()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise ImportFileError("zip_unreadable") from exc
    if b"macroenabled" in content_types:
        raise ImportFileError("macro_file")


def check_xls_container(data: bytes) -> None:
    if "_VBA_PROJECT".encode("utf-16-le") in data:
        raise ImportFileError("macro_file")


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030 (a superset of GBK/GB2312); never a lossy decode."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        encodings: tuple[str, ...] = ("utf-8",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise ImportFileError("nul_byte")
        return text
    raise ImportFileError("unreadable_encoding")


class Source:
    """An opened upload: its sheets as grids of text, and which cells were numbers."""

    def __init__(self, data: bytes, filename: str) -> None:
        check_size(len(data))
        if not data.strip():
            raise ImportFileError("empty_file")
        self.filename = filename
        self.sha256 = hashlib.sha256(data).hexdigest()  # provenance: which file a row came from
        self.kind = detect_kind(data, filename)
        self._grids: dict[str, pl.DataFrame] = {}
        if self.kind == XLSX:
            check_xlsx_container(data)
        elif self.kind == XLS:
            check_xls_container(data)
        self._book: xlsx.Book | None = None
        self._numeric: dict[str, xlsx.Grid] = {}
        self._reader = None
        if self.kind == CSV:
            self._text = decode_csv(data)
            self.sheet_names = [Path(filename).stem or "csv"]
        elif self.kind == XLSX:  # streamed, limits checked as it is read (see .xlsx)
            try:
                self._book = xlsx.Book(data, xlsx.Limits(rows=max_rows(), columns=MAX_COLUMNS, cells=max_cells()))
            except xlsx.SheetError as exc:
                raise ImportFileError(exc.code, **exc.params) from exc
            self.sheet_names = self._book.sheet_names
        else:
            import fastexcel

            try:
                self._reader = fastexcel.read_excel(data)
                self.sheet_names = list(self._reader.sheet_names)
            except Exception as exc:  # calamine raises its own error kinds for every malformed file
                raise ImportFileError("unreadable_file") from exc

    def grid(self, sheet: str) -> pl.DataFrame:
        """All cells as text (None for empty), columns ``c0, c1...``, row i is sheet row i+1."""
        if sheet not in self._grids:
            self._grids[sheet] = self._load_grid(sheet)
        return self._grids[sheet]

    def release(self, sheet: str | None = None) -> None:
        """Forget the loaded grids, or the grid of ``sheet`` (the located tables keep what they
        need), and hand the freed memory back to the system."""
        if sheet is None:
            self._grids.clear()
            self._numeric.clear()
        else:
            self._grids.pop(sheet, None)
        release_memory()

    def _load_grid(self, sheet: str) -> pl.DataFrame:
        if self._book is not None:
            try:
                grid = self._book.read(sheet)
            except xlsx.SheetError as exc:
                raise ImportFileError(exc.code, **({"sheet": sheet} | exc.params)) from exc
            self._numeric[sheet] = grid
            frame = grid.text
        elif self._reader is None:
            frame = _csv_grid(self._text)
        else:
            try:
                loaded = self._reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
                frame = pl.DataFrame(loaded)
            except Exception as exc:
                raise ImportFileError("unreadable_file", sheet=sheet) from exc
            frame = frame.rename({name: f"c{i}" for i, name in enumerate(frame.columns)})
        if frame.width > MAX_COLUMNS:
            raise ImportFileError("too_many_columns", sheet=sheet, columns=frame.width, limit=MAX_COLUMNS)
        if frame.height > max_rows():
            raise ImportFileError("too_many_rows", sheet=sheet, rows=frame.height, limit=max_rows())
        return frame

    def numeric_cells(self, sheet: str, column: int) -> pl.Series:
        """True where the cell in grid column ``column`` was a number (or boolean) in the file."""
        return self.numeric_columns(sheet, [column])[column]

    def numeric_columns(self, sheet: str, columns: Sequence[int]) -> dict[int, pl.Series]:
        """For each grid column in ``columns``: True where the cell was a number (or boolean).

        Loading the columns again as booleans makes calamine convert numeric and boolean cells
        and leave text cells null (even text such as "1" or "true"), which tells them apart
        without walking the cells in Python; the columns are loaded in one read of the sheet. CSV
        has no cell types: always False there (a number pasted as "4.33122E+17" is caught by the
        ID parser instead).
        """
        return self._numeric_columns(sheet, columns, self.grid(sheet).height)

    def _numeric_columns(self, sheet: str, columns: Sequence[int], height: int) -> dict[int, pl.Series]:
        if self._book is not None:  # read with the text, in the same pass
            if sheet not in self._numeric:
                self.grid(sheet)
            grid = self._numeric[sheet]
            result = {}
            for column in columns:
                series = grid.numeric_column(column)
                if series.len() < height:
                    series = series.extend(pl.Series([False] * (height - series.len())))
                result[column] = series.head(height)
            return result
        if self._reader is None or not columns:
            return {c: pl.Series([False] * height, dtype=pl.Boolean) for c in columns}
        wanted = sorted(set(columns))
        loaded = pl.DataFrame(self._reader.load_sheet(
            sheet,
            header_row=None,
            skip_rows=0,
            dtypes="boolean",
            use_columns=[f"__UNNAMED__{c}" for c in wanted],
        ))
        result = {}
        for i, column in enumerate(wanted):
            series = loaded.to_series(i).is_not_null() if i < loaded.width else pl.Series([], dtype=pl.Boolean)
            if series.len() < height:
                series = series.extend(pl.Series([False] * (height - series.len())))
            result[column] = series.head(height)
        return result


def release_memory() -> None:
    """Hand freed memory back to the system (glibc's ``malloc_trim``; nothing elsewhere). Reading a
    workbook frees hundreds of megabytes that the allocator would otherwise keep for this process."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


_pauses = {"running": 0, "resume": False}  # imports with the cycle collector paused (see below)
_pauses_lock = threading.Lock()


def without_cycle_collection(run: Callable[..., Any]) -> Callable[..., Any]:
    """``run`` with Python's cycle collector paused (``gc.disable``), as it was afterwards.

    A county's import keeps a million small objects alive at once (parsed rows, planned values,
    change-log snapshots) and makes as many more: the collector's full passes walk all of them
    again and again and find no cycles (the rows are plain trees). Measured on a 100,000-household
    commit: about a sixth of its time, and most of its spread from run to run. Reference counting
    frees everything as before; cycles made meanwhile are collected once the collector runs again,
    when the last import running in this process at the same time has ended (and only if it ran
    before the first began).
    """

    @functools.wraps(run)
    def paused(*args: Any, **kwargs: Any) -> Any:
        with _pauses_lock:
            if not _pauses["running"]:
                _pauses["resume"] = gc.isenabled()
                gc.disable()
            _pauses["running"] += 1
        try:
            return run(*args, **kwargs)
        finally:
            with _pauses_lock:
                _pauses["running"] -= 1
                if not _pauses["running"] and _pauses["resume"]:
                    gc.enable()

    return paused


def _csv_grid(text: str) -> pl.DataFrame:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError("field_too_long", limit=csv.field_size_limit()) from exc
        raise ImportFileError("unreadable_file") from exc
    if len(rows) > max_rows():
        raise ImportFileError("too_many_rows", rows=len(rows), limit=max_rows())
    width = max((len(r) for r in rows), default=0)
    if width > MAX_COLUMNS:
        raise ImportFileError("too_many_columns", columns=width, limit=MAX_COLUMNS)
    columns = [f"c{i}" for i in range(width)]
    padded = [r + [None] * (width - len(r)) if len(r) < width else r for r in rows]
    frame = pl.DataFrame(padded, schema=dict.fromkeys(columns, pl.String), orient="row")
    return frame.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in columns
    )


def open_source(source: bytes | str | Path | IO[bytes], filename: str | None = None) -> Source:
    """Open an upload (bytes, a path or a binary file) after the size and container checks."""
    if filename is None:
        filename = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "") or ""
    if isinstance(source, (str, Path)):
        size = Path(source).stat().st_size
        check_size(size)
    return Source(_read_bytes(source), Path(filename).name)


def read_table(
    source: bytes | str | Path | IO[bytes], filename: str | None = None, sheet: str | int | None = None
) -> pl.DataFrame:
    """The raw text grid of one sheet (the first when ``sheet`` is None) of an xlsx, xls or csv."""
    opened = open_source(source, filename)
    if sheet is None:
        sheet = opened.sheet_names[0]
    elif isinstance(sheet, int):
        sheet = opened.sheet_names[sheet]
    return opened.grid(sheet)


# --- reading: sheets, headers, columns --------------------------------------------------------

_HEADER_DROP = re.compile(r"[\s*]+")


def normalise_header(text: Any) -> str:
    """Fold full-width forms (NFKC), drop spaces, line breaks and asterisks, ignore case."""
    if text is None:
        return ""
    return _HEADER_DROP.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


@dataclass(frozen=True)
class Column:
    """A canonical column: its key, the header shown in templates and reports, accepted synonyms.

    ``id_cell`` columns remember which cells were numbers in the file (a number keeps only 15
    significant digits); ``sensitive`` ("id" or "phone") masks the value wherever it is reported.
    """

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    id_cell: bool = False
    numeric_from: int = 0  # check number cells only if some value has this many digits (0: always)
    sensitive: str = ""
    max_length: int = 200

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.label, *self.synonyms)}


@dataclass(frozen=True)
class SheetSpec:
    """An expected sheet: its name (and accepted alternatives) and columns. ``one_of`` lists
    groups of column keys of which at least one must be present (e.g. village code or name)."""

    name: str
    columns: tuple[Column, ...]
    sheet_names: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def matches_name(self, sheet: str) -> bool:
        return normalise_header(sheet) in {normalise_header(n) for n in (self.name, *self.sheet_names)}


@dataclass
class Table:
    """One located sheet: data rows only, one text column per found canonical key, ``_row`` the
    spreadsheet row number, and ``_num_<key>`` (bool) for ``id_cell`` columns."""

    spec: SheetSpec
    sheet: str
    header_row: int
    headers: dict[str, str]
    frame: pl.DataFrame
    filename: str = ""
    unmatched: list[str] = field(default_factory=list)  # header cells no column of the spec claimed

    @property
    def keys(self) -> list[str]:
        return list(self.headers)

    def has(self, key: str) -> bool:
        return key in self.headers

    def header(self, key: str) -> str:
        return self.headers.get(key) or self.spec.column(key).label

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each data row as a dict (column lists zipped: far cheaper than polars' named rows)."""
        names = self.frame.columns
        columns = [self.frame.get_column(name).to_list() for name in names]
        for values in zip(*columns, strict=True):
            yield dict(zip(names, values, strict=True))

    def shown_value(self, key: str, value: Any) -> str:
        """The value as it may appear in a report: ID and phone numbers masked."""
        if value is None:
            return ""
        text = str(value)
        sensitive = self.spec.column(key).sensitive if key in {c.key for c in self.spec.columns} else ""
        if sensitive == "id":
            return mask_id_number(text)
        if sensitive == "phone":
            return mask_phone(text)
        return text

    def report(
        self, report: Report, row: int | None, key: str, value: Any, prob: Problem, severity: str = ERROR
    ) -> Issue:
        return report.add(
            self.sheet, row, self.header(key) if key else "", self.shown_value(key, value), prob, severity
        )


def _find_header(grid: pl.DataFrame, spec: SheetSpec) -> tuple[int, dict[str, int], list[str]]:
    """(grid row index, key → grid column, missing labels) of the best header row in the scan."""
    wanted = {c.key: c.names() for c in spec.columns}
    best: tuple[int, dict[str, int], list[str]] = (-1, {}, [c.label for c in spec.columns if c.required])
    for index, row in enumerate(grid.head(HEADER_SCAN_ROWS).iter_rows()):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            name = normalise_header(cell)
            if not name:
                continue
            for key, names in wanted.items():
                if key not in found and name in names:
                    found[key] = col
                    break
        missing = [c.label for c in spec.columns if c.required and c.key not in found]
        for group in spec.one_of:
            if not any(k in found for k in group):
                missing.append(" / ".join(spec.column(k).label for k in group))
        if not missing:
            return index, found, []
        if len(found) > len(best[1]):
            best = (index, found, missing)
    return best


def locate(source: Source, sheet: str, spec: SheetSpec) -> Table:
    """Find the header row of ``sheet`` and return its data rows as a :class:`Table`."""
    grid = source.grid(sheet)
    index, found, missing = _find_header(grid, spec)
    if missing:
        raise ImportFileError(
            "missing_columns",
            sheet=sheet,
            row=index + 1 if index >= 0 else None,
            scan=HEADER_SCAN_ROWS,
            columns=", ".join(missing),
        )
    header_cells = grid.row(index)
    headers = {key: str(header_cells[col]).strip() for key, col in found.items()}
    claimed = set(found.values())
    unmatched = [str(cell).strip() for col, cell in enumerate(header_cells)
                 if col not in claimed and cell is not None and str(cell).strip()]
    height = grid.height
    # A column at a time, each grid column let go once tidied: the sheet is never held twice.
    cells = {f"c{col}": grid.get_column(f"c{col}") for col in found.values()}
    del grid, header_cells
    source.release(sheet)  # the text grid goes before the sheet is read again for its cell types
    columns = [pl.int_range(index + 2, height + 1, eager=True, dtype=pl.Int64).alias("_row")]
    for key, col in found.items():  # _find_header gives each column one key at most
        tidy = pl.DataFrame({key: cells.pop(f"c{col}").slice(index + 1)}).select(
            pl.when(pl.col(key).str.strip_chars() == "").then(None).otherwise(pl.col(key).str.strip_chars()).alias(key)
        )
        columns.append(tidy.to_series())
        del tidy
    frame = pl.DataFrame(columns)
    del columns
    numeric: list[pl.Expr | pl.Series] = []
    to_read: dict[str, int] = {}
    for key, col in found.items():
        column = spec.column(key)
        if not column.id_cell:
            continue
        if (
            column.numeric_from
            and not frame.get_column(key).str.contains(rf"^\d{{{column.numeric_from},}}").any()
        ):
            # no value long enough to have lost digits: spare the second read of the sheet
            numeric.append(pl.lit(False).alias(f"_num_{key}"))
            continue
        to_read[key] = col
    if to_read:
        loaded = source._numeric_columns(sheet, list(to_read.values()), height)
        numeric += [loaded[col].slice(index + 1).alias(f"_num_{key}") for key, col in to_read.items()]
    if numeric:
        frame = frame.with_columns(numeric)
    frame = frame.filter(pl.any_horizontal(pl.col(k).is_not_null() for k in found))
    return Table(
        spec=spec, sheet=sheet, header_row=index + 1, headers=headers, frame=frame, filename=source.filename,
        unmatched=unmatched,
    )


def read_sheet(content: Any, filename: str, spec: SheetSpec, report: Report) -> Table | None:
    """The one sheet of a single-sheet import (its file opened and checked, the sheet found by
    :func:`load_tables`), or None with the reason in ``report``."""
    try:
        source = open_source(content, filename)
    except ImportFileError as exc:
        report.file_error(exc)
        return None
    return load_tables([source], [spec], report).get(spec.name)


def load_tables(sources: Sequence[Source], specs: Sequence[SheetSpec], report: Report) -> dict[str, Table]:
    """Find each spec's sheet among the sources: by sheet name first, then by headers.

    Returns the tables found, keyed by spec name; file-level problems (unreadable sheets,
    missing headers of a sheet named as expected, nothing recognisable at all) go to ``report``.
    """
    tables: dict[str, Table] = {}
    candidates = [(s, name) for s in sources for name in s.sheet_names]
    claimed: set[tuple[int, str]] = set()
    for spec in specs:  # sheets named as expected must have the headers
        for source, name in candidates:
            if source.kind != CSV and spec.matches_name(name):
                claimed.add((id(source), name))
                if spec.name in tables:
                    report.add(name, None, "", "", problem("duplicate_sheet", sheet=name), WARNING)
                    continue
                try:
                    tables[spec.name] = locate(source, name, spec)
                except ImportFileError as exc:
                    report.file_error(exc, sheet=name)
    for source, name in candidates:  # the rest (CSV files, renamed sheets): recognised by headers
        if (id(source), name) in claimed:
            continue
        for spec in specs:
            if spec.name in tables:
                continue
            try:
                tables[spec.name] = locate(source, name, spec)
                tables[spec.name].sheet = spec.name if source.kind == CSV else name
                break
            except ImportFileError as exc:
                if exc.code != "missing_columns":
                    report.file_error(exc, sheet=name)
                    break
    if not tables and not report.errors:
        report.add("", None, "", "", problem("no_sheet", sheets=", ".join(s.name for s in specs)))
    for source in sources:
        source.release()
    return tables


# --- value parsers: (value, problem) and never an exception -----------------------------------

Parsed = tuple[Any, Problem | None]
REQUIRED = object()  # pass as ``blank`` to make an empty cell an error

_AMOUNT_AFFIXES = re.compile(r"(?:人民币|rmb|cny|¥|\$)?(.*?)(?:元整|元|圆)?", re.IGNORECASE)
_AMOUNT_SEPARATORS = re.compile(r"[\s,]")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INT_FLOAT = re.compile(r"[+-]?\d+(?:\.0+)?")


def fold(text: Any) -> str:
    """NFKC (full-width digits, letters and punctuation to ASCII) and trimmed."""
    if text is None:
        return ""
    s = str(text)
    return s.strip() if s.isascii() else unicodedata.normalize("NFKC", s).strip()


def _blank(blank: Any) -> Parsed:
    return (None, problem("required")) if blank is REQUIRED else (blank, None)


def parse_amount(
    text: Any, *, blank: Any = Decimal(0), allow_negative: bool = False, places: int = 2, max_digits: int = 12
) -> Parsed:
    """Money: '1,234.50', '1234元', '１２３４', '￥1,200'. Rounds half-up to ``places`` decimals."""
    s = fold(text)
    if not s:
        return _blank(blank)
    affixed = _AMOUNT_AFFIXES.fullmatch(s)
    if affixed is None:  # "." does not cross a line break: "1\n2" has no match
        return None, problem("not_a_number", value=str(text))
    cleaned = _AMOUNT_SEPARATORS.sub("", affixed[1])
    if not _DECIMAL.fullmatch(cleaned):
        return None, problem("not_a_number", value=str(text))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, problem("not_a_number", value=str(text))
    if value < 0 and not allow_negative:
        return None, problem("negative", value=str(text))
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if abs(value) >= Decimal(10) ** (max_digits - places):
        return None, problem(
            "out_of_range", value=str(text), low=0, high=f"{Decimal(10) ** (max_digits - places)}"
        )
    return value, None


def parse_int(text: Any, *, blank: Any = None, low: int | None = None, high: int | None = None) -> Parsed:
    """A whole number ('12', '12.0', '１２'); outside [low, high] is an error."""
    s = fold(text).replace(",", "")
    if not s:
        return _blank(blank)
    if not _INT_FLOAT.fullmatch(s):
        return None, problem("not_an_integer", value=str(text))
    value = int(Decimal(s))
    if (low is not None and value < low) or (high is not None and value > high):
        return None, problem(
            "out_of_range", value=str(text), low="" if low is None else low, high="" if high is None else high
        )
    return value, None


def parse_year(text: Any, *, blank: Any = REQUIRED, low: int = 1949, high: int | None = None) -> Parsed:
    """A calendar year ('2024', '2024年', '2024.0'), by default from 1949 to next year."""
    high = high if high is not None else date.today().year + 1
    s = fold(text).removesuffix("年度").removesuffix("年")
    if not s:
        return _blank(blank)
    if not _INT_FLOAT.fullmatch(s) or not low <= int(Decimal(s)) <= high:
        return None, problem("not_a_year", value=str(text), low=low, high=high)
    return int(Decimal(s)), None


TRUE_WORDS = frozenset(
    {"是", "有", "y", "yes", "1", "true", "t", "√", "✓", "✔", "对", "已参加", "参加", "享受"}
)
FALSE_WORDS = frozenset(
    {"否", "无", "没有", "n", "no", "0", "false", "f", "×", "✗", "✘", "x", "不是", "未参加", "不享受"}
)


def parse_bool(text: Any, *, blank: Any = None) -> Parsed:
    """是/否, Y/N, yes/no, 1/0, true/false, √/×, 有/无 (any case, full-width too)."""
    s = fold(text).casefold()
    if not s:
        return _blank(blank)
    if s.endswith(".0"):
        s = s[:-2]
    if s in TRUE_WORDS:
        return True, None
    if s in FALSE_WORDS:
        return False, None
    return None, problem("not_a_boolean", value=str(text))


class Choices:
    """Chinese labels (and synonyms) of an enumeration mapped to stored values.

    ``labels`` maps each canonical label (listed in error messages and templates) to its value;
    ``synonyms`` adds other spellings. Lookup folds full-width forms, spaces and case.
    """

    def __init__(self, labels: Mapping[str, Any], synonyms: Mapping[str, Any] | None = None) -> None:
        self.labels = dict(labels)
        self._lookup: dict[str, Any] = {}
        for name, value in {**dict(synonyms or {}), **self.labels}.items():
            self._lookup[self.key(name)] = value

    @staticmethod
    def key(text: Any) -> str:
        return "".join(fold(text).split()).casefold()

    def get(self, text: Any) -> Any:
        return self._lookup.get(self.key(text))

    def parse(self, text: Any, *, blank: Any = None) -> Parsed:
        if not fold(text):
            return _blank(blank)
        value = self.get(text)
        if value is None:
            return None, problem("unknown_choice", value=str(text), choices="、".join(self.labels))
        return value, None


EXCEL_EPOCH = date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_SERIAL = re.compile(r"\d{4,5}(?:\.\d+)?")


def parse_date(
    text: Any, *, blank: Any = None, low: date = date(1900, 1, 1), high: date | None = None
) -> Parsed:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, an Excel date cell
    ('2024-03-05 00:00:00' as calamine renders it) or an Excel serial number (45356)."""
    if isinstance(text, datetime):
        text = text.date()
    if isinstance(text, date):
        return text, None
    s = fold(text)
    if not s:
        return _blank(blank)
    value: date | None = None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(s)
        if match:
            try:
                value = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None, problem("not_a_date", value=str(text))
            break
    else:
        if _SERIAL.fullmatch(s):
            value = EXCEL_EPOCH + timedelta(days=int(float(s)))
    if value is None:
        return None, problem("not_a_date", value=str(text))
    high = high or date.today() + timedelta(days=366)
    if not low <= value <= high:
        return None, problem("out_of_range", value=str(text), low=low.isoformat(), high=high.isoformat())
    return value, None


_FORMULA_SIGNS = re.compile(r"[=(|!@A-Za-z]")


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run as a formula when the value is exported again (CSV/formula
    injection, ASVS 1.2.10): it starts with = or @, or with + or - followed by more than a number
    (``+A1``, ``-2+3+cmd|' /C calc'!A0``); a lone "-" or "-5" is not."""
    first = text[:1]
    if first in ("=", "@", "＝", "＠"):
        return True
    return first in ("+", "-", "＋", "－") and bool(_FORMULA_SIGNS.search(text))


def parse_text(text: Any, *, blank: Any = "", max_length: int = 200) -> Parsed:
    """Trimmed text (full-width kept: names and places are data), length-limited, never a formula."""
    s = "" if text is None else " ".join(str(text).split())
    if not s:
        return _blank(blank)
    if len(s) > max_length:
        return None, problem("too_long", length=len(s), limit=max_length)
    if looks_like_formula(s):
        return None, problem("formula_text", value=s[:40])
    return s, None


def first_problem(*parsed: Parsed) -> Problem | None:
    return next((p for _, p in parsed if p is not None), None)


def iter_chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


ProgressCallback = Callable[[int, int, str], None]
