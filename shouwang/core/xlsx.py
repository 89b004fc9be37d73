"""Reading xlsx sheets as text grids, a chunk at a time, with the upload limits checked as the XML
arrives.

calamine (through fastexcel) builds a sheet's whole cell range before returning a single row: a
county's 272,000-row member sheet took about 470 MiB of memory that way, and a crafted workbook
of 100 columns by 239,000 rows or 16,384 columns was refused only after it had been loaded. Here
a sheet's XML is inflated from the zip a few megabytes at a time and never held whole:

1. **Count first.** One pass that only inflates and counts cells (C speed, about a second for
   300 MB of XML) refuses a sheet with more cells than :data:`max_cells` before anything is
   parsed; while parsing, the first cell beyond the column limit, or the first row beyond the row
   limit, stops the read at once.
2. **Parse a chunk at a time, in polars.** A chunk (whole rows) is split on the cell tag and each
   cell's reference, type, style and value are cut out with column-wise string operations, so no
   Python object is made per cell; shared strings are looked up by index in one gather. Each
   chunk becomes a wide frame of its rows; the chunks are stacked at the end. :data:`PARSERS`
   chunks are parsed side by side in threads (polars works outside the GIL): a county's two
   sheets read in about three quarters of the time on two cores.
3. **The unusual layouts** (cells without a reference, attributes in single quotes, a namespace
   prefix on some elements but not others) are read by a plain regular-expression parser, one
   cell at a time: slower, same result.

The result matches what the engine read through calamine before, cell for cell: text as written
(shared, inline or formula strings), numbers as calamine prints them (``1`` not ``1.0``, no
exponent: ``0.0000001``, ``433122198506151168`` for an 18-digit number that lost its last digits),
booleans as ``true``/``false``, date-formatted numbers as ``YYYY-MM-DD HH:MM:SS``, error cells
empty; and which cells were numbers (or booleans) in the file, for the ID-number check. One
difference: the grid starts at cell A1, so grid row *i* is sheet row *i + 1* even when the first
rows or columns are empty (calamine started at the first used cell, which shifted the row numbers
that reports quote).

The small parts (workbook, relationships, styles) are parsed with defusedxml, and no part may
declare a DTD: entity tricks (billion laughs, external entities) are refused, never expanded.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from posixpath import dirname, join, normpath
from typing import Any

import polars as pl
from defusedxml import ElementTree

CHUNK_BYTES = 2 << 20  # XML inflated and parsed at a time
MIN_CELL_BYTES = len('<c r="A1"><v>1</v></c>')
ROW_BYTES = 64 << 20  # one row of XML larger than this is refused (200 full cells are 20 MB)
SMALL_PART_LIMIT = 16 << 20  # workbook, relationships, styles: never this large in a real file
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# Built-in number formats that are dates or times (ECMA-376 §18.8.30, with the East Asian ones).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])


class SheetError(Exception):
    """The workbook or sheet cannot be read within the limits: ``code`` is one of the import
    engine's message codes, ``params`` its placeholders."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    cells: int


@dataclass
class Grid:
    """One sheet: ``text`` has string columns ``c0, c1, …`` from column A, row *i* is sheet row
    *i + 1*, empty cells null; ``numeric`` has a boolean column ``n<j>`` for each column *j* with a
    number or boolean cell (True there)."""

    text: pl.DataFrame
    numeric: pl.DataFrame = field(default_factory=pl.DataFrame)

    def numeric_column(self, column: int) -> pl.Series:
        name = f"n{column}"
        height = self.text.height
        if name not in self.numeric.columns:
            return pl.Series(name, [False] * height, dtype=pl.Boolean)
        return self.numeric.get_column(name)


# --- small parts ---------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _no_dtd(data: bytes) -> None:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise SheetError("unreadable_file")


class Book:
    """An xlsx workbook (already through the container checks): its sheets and their grids."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        self.limits = limits
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self._names = set(self.zip.namelist())
            workbook_path = self._office_document()
            workbook = self._small(workbook_path)
            rels = self._relationships(workbook_path)
        except SheetError:
            raise
        except Exception as exc:  # zip, XML and defusedxml's own refusals alike: not a readable workbook
            raise SheetError("unreadable_file") from exc
        self.date1904 = False
        self.sheets: dict[str, str] = {}
        for element in workbook.iter():
            name = _local(element.tag)
            if name == "workbookPr":
                self.date1904 = element.get("date1904", "").lower() in ("1", "true")
            elif name == "sheet":
                target = rels.get(element.get(f"{{{_REL_NS}}}id", ""))
                if target and target[0].endswith("/worksheet") and target[1] in self._names:
                    self.sheets[element.get("name", "")] = target[1]
        self.sheet_names = list(self.sheets)
        kinds = {kind.rsplit("/", 1)[-1]: path for kind, path in rels.values()}
        self._shared_path = kinds.get("sharedStrings")
        self._styles_path = kinds.get("styles")
        self._shared: pl.Series | None = None
        self._date_styles: frozenset[int] | None = None
        self.cells_read = 0

    # parts

    def _small(self, path: str):
        info = self.zip.getinfo(path)
        if info.file_size > SMALL_PART_LIMIT:
            raise SheetError("unreadable_file")
        data = self.zip.read(path)
        _no_dtd(data)
        return ElementTree.fromstring(data, forbid_dtd=True)

    def _office_document(self) -> str:
        root = self._small("_rels/.rels")
        for rel in root:
            if rel.get("Type", "").endswith("/officeDocument"):
                return normpath(rel.get("Target", "").lstrip("/"))
        return "xl/workbook.xml"

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        rels_path = join(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
        if rels_path not in self._names:
            return {}
        result = {}
        for rel in self._small(rels_path):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            path = normpath(target.lstrip("/") if target.startswith("/") else join(dirname(part), target))
            result[rel.get("Id", "")] = (rel.get("Type", ""), path)
        return result

    def _stream(self, path: str) -> Iterator[bytes]:
        """The part's XML, inflated a chunk at a time."""
        with self.zip.open(path) as part:
            first = True
            while chunk := part.read(CHUNK_BYTES):
                if first:
                    _no_dtd(chunk)
                    first = False
                yield chunk

    def date_styles(self) -> frozenset[int]:
        """Indexes of the cell formats (``s`` attribute) that show a number as a date or time."""
        if self._date_styles is None:
            styles: set[int] = set()
            if self._styles_path and self._styles_path in self._names:
                root = self._small(self._styles_path)
                custom = {}
                for element in root.iter():
                    if _local(element.tag) == "numFmt":
                        custom[int(element.get("numFmtId", "-1"))] = element.get("formatCode", "")
                for section in root:
                    if _local(section.tag) != "cellXfs":
                        continue
                    for index, xf in enumerate(section):
                        fmt = int(xf.get("numFmtId", "0") or 0)
                        if fmt in _DATE_FORMAT_IDS or (fmt in custom and is_date_format(custom[fmt])):
                            styles.add(index)
            self._date_styles = frozenset(styles)
        return self._date_styles

    def shared_strings(self) -> pl.Series:
        if self._shared is None:
            if not self._shared_path or self._shared_path not in self._names:
                self._shared = pl.Series("s", [], dtype=pl.String)
            else:
                self._shared = _read_shared(self._stream(self._shared_path), self.limits)
        return self._shared

    # sheets

    def read(self, sheet: str) -> Grid:
        path = self.sheets.get(sheet)
        if path is None:
            raise SheetError("unreadable_file", sheet=sheet)
        limits = self.limits
        self._count(path, sheet)
        frames: list[pl.DataFrame] = []
        flags: list[pl.DataFrame] = []
        context = _Context(self, sheet)
        try:
            self.shared_strings()  # read once, before the chunks are parsed side by side
            self.date_styles()
            for part in _parts(self._stream(path), context):
                self.cells_read += part.cells
                if self.cells_read > limits.cells:
                    raise SheetError("too_many_cells", sheet=sheet, limit=limits.cells)
                if part.text is not None:
                    frames.append(part.text)
                if part.numeric is not None:
                    flags.append(part.numeric)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, pl.exceptions.PolarsError) as exc:
            raise SheetError("unreadable_file", sheet=sheet) from exc
        return _grid(frames, flags)

    def _count(self, path: str, sheet: str) -> None:
        """Refuse a sheet with too many filled cells before parsing it: one pass that only counts
        cell end tags, skipped when the sheet's XML is too small to hold that many (a filled cell
        takes at least :data:`MIN_CELL_BYTES`). The parse counts again as it goes."""
        remaining = self.limits.cells - self.cells_read
        if self.zip.getinfo(path).file_size <= remaining * MIN_CELL_BYTES:
            return
        count = 0
        prefixed: bool | None = None  # cells in a prefixed namespace (``</x:c>``): known from the first chunk
        for chunk in self._stream(path):
            if prefixed is None:
                prefixed = re.search(rb"<[A-Za-z_][\w.-]*:sheetData\b", chunk) is not None or b"<sheetData" not in chunk
            count += chunk.count(b"</c>") + (chunk.count(b":c>") if prefixed else 0)
            if count > remaining:
                raise SheetError("too_many_cells", sheet=sheet, limit=self.limits.cells)


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time: a date or time letter outside quoted
    text, escapes and bracketed sections (colours, conditions, locales; ``[h]``-style elapsed
    times count)."""
    text = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    text = re.sub(r"\[(?![hms]+\])[^\]]*\]", "", text, flags=re.IGNORECASE)
    if text.strip().lower() in ("general", ""):
        return False
    return bool(re.search(r"[ymdhsYMDHS]", text.split(";")[0] if ";" in text else text))


# --- text of cells and shared strings -------------------------------------------------------------

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"))
_CHAR_REF = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_one(text: str | None) -> str | None:
    """Character references and OOXML's ``_xHHHH_`` escapes of one string (the named entities
    are already replaced; ``&amp;`` last)."""
    if text is None:
        return None
    text = _CHAR_REF.sub(lambda m: chr(int(m[1][1:], 16) if m[1][0] == "x" else int(m[1])), text)
    text = _OOXML_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    return text.replace("&amp;", "&")


def unescape(values: pl.Series) -> pl.Series:
    """XML's escapes in cell text: only the values holding an ``&`` or ``_x`` are looked at (most
    hold neither), the named entities column-wise, character references and ``_xHHHH_`` (rare)
    one string at a time, only where they occur."""
    todo = (values.str.contains("&", literal=True) | values.str.contains("_x", literal=True)).fill_null(False)
    if not todo.any():
        return values
    where = todo.arg_true()
    return values.scatter(where, _unescape_column(values.gather(where)))


def _unescape_column(values: pl.Series) -> pl.Series:
    for entity, char in _ENTITIES:
        values = values.str.replace_all(entity, char, literal=True)
    rare = (values.str.contains("&#", literal=True) | values.str.contains(r"_x[0-9A-Fa-f]{4}_")).fill_null(False)
    if rare.any():
        where = rare.arg_true()
        fixed = pl.Series([_unescape_one(v) for v in values.gather(where).to_list()], dtype=pl.String)
        values = values.str.replace_all("&amp;", "&", literal=True).scatter(where, fixed)
        return values
    return values.str.replace_all("&amp;", "&", literal=True)


def _fill(values: pl.Series, missing: pl.Series, compute: Callable[[Any], Any], source: pl.Series) -> pl.Series:
    """``values`` with the rows where ``missing`` is True set to ``compute`` of ``source``."""
    if not missing.any():
        return values
    where = missing.arg_true()
    fixed = pl.Series([compute(v) for v in source.gather(where).to_list()], dtype=pl.String)
    return values.scatter(where, fixed)


_RUN_TEXT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?t(?:\s[^>]*)?>([^<]*)</(?:[A-Za-z_][\w.-]*:)?t>|<[^>]*/>", re.S)
_PHONETIC = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?rPh\b.*?</(?:[A-Za-z_][\w.-]*:)?rPh>", re.S)


def _rich_text(fragment: str | None) -> str | None:
    """The text of a string item or inline string, its runs joined, phonetic hints left out
    (escapes not yet resolved)."""
    if fragment is None:
        return None
    fragment = _PHONETIC.sub("", fragment)
    return "".join(m[1] or "" for m in _RUN_TEXT.finditer(fragment))


def _read_shared(chunks: Iterator[bytes], limits: Limits) -> pl.Series:
    parts: list[pl.Series] = []
    count = 0
    tail = ""
    for chunk in _whole(chunks, b"</si>", b"</x:si>"):
        text = chunk.decode()
        pieces = pl.Series("x", [tail + text]).str.split("<si>").explode()
        if pieces.len() <= 1:
            tail += text
            continue
        tail = ""
        items = pieces.slice(1)
        count += items.len()
        if count > limits.cells:
            raise SheetError("too_many_cells", sheet="", limit=limits.cells)
        rich = (
            items.str.contains("<r>", literal=True) | items.str.contains("<rPh", literal=True)
            | items.str.contains("<r ", literal=True)
        )
        simple = items.str.extract(r"^\s*<t(?:\s[^>]*)?>([^<]*)</t>", 1)
        empty = items.str.contains(r"^\s*<t(?:\s[^>]*)?/>")
        raw = pl.select(pl.when(empty).then(pl.lit("")).otherwise(simple).alias("s")).to_series()
        raw = _fill(raw, (rich | (raw.is_null())).fill_null(True), _rich_text, items)
        parts.append(unescape(raw.fill_null("")))
    if not parts:
        # a prefixed or otherwise unusual shared-strings part: the plain parser
        return _read_shared_plain(tail)
    return pl.concat(parts) if len(parts) > 1 else parts[0]


def _read_shared_plain(text: str) -> pl.Series:
    items = re.findall(r"<(?:[A-Za-z_][\w.-]*:)?si\b[^>]*?(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?si>)", text, re.S)
    values = [_rich_text(item) or "" for item in items]
    return unescape(pl.Series("s", values, dtype=pl.String))


def _whole(chunks: Iterator[bytes], *ends: bytes, bound: int = 0) -> Iterator[bytes]:
    """The chunks cut after the last complete element (one of ``ends``) so none is split; more
    than ``bound`` bytes (if set) without one is refused."""
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        cut = max(data.rfind(end) + len(end) if data.rfind(end) >= 0 else -1 for end in ends)
        if cut <= 0:
            if bound and len(data) > bound:
                raise SheetError("row_too_large", limit=bound // 1048576)
            tail = data
            continue
        tail = data[cut:]
        yield data[:cut]
    if tail:
        yield tail


# --- cells ----------------------------------------------------------------------------------------


class _Context:
    def __init__(self, book: Book, sheet: str) -> None:
        self.book = book
        self.sheet = sheet
        self.prefix = ""
        self.plain = False  # set when the fast reading's assumptions fail: the plain parser reads
        self.last_row = 0


_LONG_SCHEMA = {"row": pl.Int64, "col": pl.Int64, "t": pl.String, "s": pl.Int64, "raw": pl.String}


@dataclass
class _Part:
    """One chunk of a sheet, parsed: its filled cells counted, its wide text and number frames."""

    cells: int
    last_row: int
    text: pl.DataFrame | None
    numeric: pl.DataFrame | None


PARSERS = 2  # chunks parsed side by side (polars releases the GIL while it cuts the cells)


def _parts(chunks: Iterator[bytes], context: _Context) -> Iterator[_Part]:
    """The sheet's chunks of whole rows, parsed in order; while one is handed over, the next ones
    are parsed in :data:`PARSERS` threads (the work is polars', outside the GIL). A chunk the fast
    reading cannot take, and every chunk after it, is read by the plain parser here, in order
    (it numbers rows without a reference from the row before)."""
    whole = _whole(chunks, b"</row>", bound=ROW_BYTES)
    first = next(whole, None)
    if first is None:
        return
    text = first.decode()
    match = re.search(r"<([A-Za-z_][\w.-]*:)?sheetData\b", text)
    context.prefix = (match[1] or "") if match else ""
    context.plain = bool(context.prefix) or "r='" in text
    if context.plain:
        yield _plain_part(text, context)
        for chunk in whole:
            yield _plain_part(chunk.decode(), context)
        return
    pending: deque[tuple[bytes, Future[_Part | None]]] = deque()
    with ThreadPoolExecutor(max_workers=PARSERS, thread_name_prefix="xlsx") as pool:
        try:
            pending.append((first, pool.submit(_fast_part, first, context)))
            del text, first
            for chunk in whole:
                pending.append((chunk, pool.submit(_fast_part, chunk, context)))
                if len(pending) > PARSERS:
                    yield _next_part(pending, context)
            while pending:
                yield _next_part(pending, context)
        finally:
            for _chunk, future in pending:
                future.cancel()


def _next_part(pending: deque[tuple[bytes, Future[_Part | None]]], context: _Context) -> _Part:
    chunk, future = pending.popleft()
    part = None if context.plain else future.result()
    if part is None:  # the fast reading's assumptions failed here: plain from now on
        context.plain = True
        part = _plain_part(chunk.decode(), context)
    else:
        context.last_row = part.last_row or context.last_row
    return part


def _fast_part(chunk: bytes, context: _Context) -> _Part | None:
    long = _fast_cells(chunk.decode(), context.prefix)
    return None if long is None else _part(long, context)


def _plain_part(text: str, context: _Context) -> _Part:
    return _part(_plain_cells(text, context), context)


def _part(long: pl.DataFrame, context: _Context) -> _Part:
    """A chunk's cells as wide frames, once they are inside the column and row limits."""
    if long.height == 0:
        return _Part(0, 0, None, None)
    limits = context.book.limits
    if long.height > limits.cells:
        raise SheetError("too_many_cells", sheet=context.sheet, limit=limits.cells)
    top = _largest(long.get_column("col"))
    if top >= limits.columns:
        raise SheetError("too_many_columns", sheet=context.sheet, columns=top + 1, limit=limits.columns)
    bottom = _largest(long.get_column("row"))
    if bottom > limits.rows:
        raise SheetError("too_many_rows", sheet=context.sheet, rows=bottom, limit=limits.rows)
    text, numeric = _values(long, context)
    return _Part(
        long.height,
        bottom,
        text.pivot(on="col", index="row", values="text") if text.height else None,
        numeric.pivot(on="col", index="row", values="num") if numeric.height else None,
    )


def _fast_cells(text: str, prefix: str) -> pl.DataFrame | None:
    """Column-wise reading of the usual layout (each cell's reference first, ``<c r="A1" …>``, in
    double quotes); None when a cell does not fit it."""
    pieces = pl.Series("x", [text]).str.split(f"<{prefix}c ").explode().slice(1)
    if pieces.len() == 0:
        return pl.DataFrame(schema=_LONG_SCHEMA)
    parts = pl.DataFrame({"x": pieces}).select(
        pl.col("x").str.splitn(">", 2).struct.rename_fields(["a", "b"]).alias("p")
    ).unnest("p")
    a, b = pl.col("a"), pl.col("b")
    frame = parts.select(
        a.str.extract_groups(r'^r="([A-Z]{1,3})([0-9]{1,7})"').struct.rename_fields(["letters", "row"]).alias("ref"),
        _cell_type(a).alias("t"),
        a,
        b,
    ).unnest("ref").with_columns(pl.col("row").cast(pl.Int64))
    if frame.get_column("row").null_count():
        return None  # a cell without a reference first (or an odd one): the plain parser
    frame = frame.filter(~a.str.ends_with("/") & b.is_not_null())
    inline = (pl.col("t") == "inlineStr").fill_null(False)
    others = frame.filter(~inline).select(
        "letters", "row", "t",
        # the style matters only to a number (is it a date?)
        pl.when(pl.col("t").is_null() | (pl.col("t") == "n"))
        .then(a.str.extract(r' s="([0-9]+)"', 1).cast(pl.Int64))
        .alias("s"),
        b.str.extract(rf"<{prefix}v>([^<]*)</{prefix}v>", 1).alias("raw"),
    )
    inlined = frame.filter(inline)
    if inlined.height:
        plain_start = f"<{prefix}is><{prefix}t>"
        inlined = inlined.select(
            "letters", "row", "t", pl.lit(None, dtype=pl.Int64).alias("s"),
            pl.when(b.str.starts_with(plain_start))
            .then(b.str.strip_prefix(plain_start).str.split(f"</{prefix}t>").list.first())
            .alias("raw"),
            b,
        )
        odd = inlined.get_column("raw").is_null()
        if odd.any():
            rich = [_rich_text(x) for x in inlined.filter(odd).get_column("b").to_list()]
            inlined = inlined.with_columns(
                inlined.get_column("raw").scatter(odd.arg_true(), pl.Series(rich, dtype=pl.String))
            )
        others = pl.concat([others, inlined.drop("b")])
    letters = others.get_column("letters").unique().to_list()
    columns = {text: _column_index(text) for text in letters if text is not None}
    return others.select(
        pl.col("row"),
        pl.col("letters").replace_strict(columns, return_dtype=pl.Int64).alias("col"),
        pl.col("t"),
        pl.col("s"),
        pl.col("raw"),
    ).filter(pl.col("raw").is_not_null())


_CELL_TYPES = ("inlineStr", "s", "str", "n", "b", "e", "d")  # ECMA-376 §18.18.11


def _cell_type(attributes: pl.Expr) -> pl.Expr:
    """The cell's ``t`` attribute: looked for as each known value in turn (a plain substring search,
    several times quicker than the regular expression, which is left for an unknown value)."""
    kind: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))  # pl.Then, then pl.ChainedThen
    for value in _CELL_TYPES:
        kind = kind.when(attributes.str.contains(f' t="{value}"', literal=True)).then(pl.lit(value))
    return kind.when(attributes.str.contains(' t="', literal=True)).then(
        attributes.str.extract(r' t="([A-Za-z]+)"', 1)
    )


def _largest(series: pl.Series) -> int:
    """The largest value of an integer column (0 when empty)."""
    value = series.max()
    return int(value) if isinstance(value, int) else 0


def _smallest(series: pl.Series) -> int:
    value = series.min()
    return int(value) if isinstance(value, int) else 0


def _column_index(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number - 1


_P = r"(?:[A-Za-z_][\w.-]*:)?"
_ROW = re.compile(rf"<{_P}row\b([^>]*?)(?:/>|>(.*?)</{_P}row>)", re.S)
_CELL = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
_ATTR = re.compile(r"""(?:^|\s)(r|t|s)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_VALUE = re.compile(rf"<{_P}v(?:\s[^>]*)?>([^<]*)</{_P}v>", re.S)
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")


def _plain_cells(text: str, context: _Context) -> pl.DataFrame:
    """Any layout, a cell at a time: references where given, else the next row or column."""
    rows: list[int] = []
    cols: list[int] = []
    types: list[str | None] = []
    styles: list[int | None] = []
    raws: list[str | None] = []
    row_number = context.last_row
    limits = context.book.limits
    for row_match in _ROW.finditer(text):
        attrs = {k: v1 or v2 for k, v1, v2 in _ATTR.findall(row_match[1])}
        row_number = int(attrs["r"]) if attrs.get("r", "").isdigit() else row_number + 1
        col = -1
        for cell in _CELL.finditer(row_match[2] or ""):
            cell_attrs = {k: v1 or v2 for k, v1, v2 in _ATTR.findall(cell[1])}
            ref = _REF.match(cell_attrs.get("r", ""))
            col = _column_index(ref[1]) if ref else col + 1
            if col >= limits.columns:
                raise SheetError("too_many_columns", sheet=context.sheet, columns=col + 1, limit=limits.columns)
            body = cell[2]
            if not body:
                continue
            kind = cell_attrs.get("t")
            if kind == "inlineStr":
                raw = _rich_text(body)
            else:
                found = _VALUE.search(body)
                raw = found[1] if found else None
            if raw is None:
                continue
            rows.append(row_number)
            cols.append(col)
            types.append(kind)
            style = cell_attrs.get("s", "")
            styles.append(int(style) if style.isdigit() else None)
            raws.append(raw)
        if row_number > limits.rows:
            raise SheetError("too_many_rows", sheet=context.sheet, rows=row_number, limit=limits.rows)
    context.last_row = row_number
    return pl.DataFrame(
        {"row": rows, "col": cols, "t": types, "s": styles, "raw": raws}, schema=_LONG_SCHEMA
    )


# --- values ---------------------------------------------------------------------------------------


def number_text(raw: str | None) -> str | None:
    """A number cell as calamine prints it: whole numbers without ``.0``, no exponent."""
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value != value or value in (float("inf"), float("-inf")):
        return raw
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text or "E" in text else text


def date_text(raw: str | None, date1904: bool = False) -> str | None:
    """A date-formatted number as calamine prints the date and time it stands for."""
    if raw is None:
        return None
    try:
        serial = float(raw)
    except ValueError:
        return raw
    if date1904:
        base = datetime(1904, 1, 1)
    else:
        base = datetime(1899, 12, 31) if serial < 60 else datetime(1899, 12, 30)
    try:
        moment = base + timedelta(milliseconds=round(serial * 86_400_000))
    except OverflowError:
        return number_text(raw)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text


def _values(long: pl.DataFrame, context: _Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(row, col, text) of each cell, and (row, col, True) of each number or boolean cell."""
    book = context.book
    dates = sorted(book.date_styles())
    kind, raw = pl.col("t"), pl.col("raw")
    is_date = pl.col("s").is_in(dates).fill_null(False) if dates else pl.lit(False)
    number = (kind.is_null() | (kind == "n")).fill_null(False)
    as_float = raw.cast(pl.Float64, strict=False)
    whole = (as_float.is_finite() & (as_float == as_float.round(0)) & (as_float.abs() < 9e15)).fill_null(False)
    frame = long.with_columns(
        (number & ~is_date).alias("plain_number"),
        (number & is_date).alias("date"),
        kind.is_in(["str", "inlineStr"]).fill_null(False).alias("escaped"),
    ).with_columns(
        pl.when(pl.col("plain_number") & whole)
        .then(as_float.cast(pl.Int64).cast(pl.String))
        .when(kind == "b")
        .then(pl.when(raw.str.strip_chars() == "1").then(pl.lit("true")).otherwise(pl.lit("false")))
        .when(kind == "d")
        .then(raw.str.replace("T", " ", literal=True).str.strip_suffix("Z"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("text"),
        (pl.col("plain_number") & ~whole).alias("fraction"),
    )
    text = frame.get_column("text")
    raws = frame.get_column("raw")
    kinds = frame.get_column("t")
    shared = (kinds == "s").fill_null(False)
    if shared.any():
        table = book.shared_strings()
        where = shared.arg_true()
        index = raws.gather(where).cast(pl.Int64, strict=False)
        if index.null_count() or _smallest(index) < 0 or _largest(index) >= table.len():
            raise SheetError("unreadable_file", sheet=context.sheet)
        text = text.scatter(where, table.gather(index))
    text = _fill(text, frame.get_column("fraction"), number_text, raws)
    text = _fill(text, frame.get_column("date"), lambda v: date_text(v, book.date1904), raws)
    escaped = frame.get_column("escaped")
    if escaped.any():
        where = escaped.arg_true()
        text = text.scatter(where, unescape(raws.gather(where)))
    cells = frame.select("row", "col", "plain_number").with_columns(
        text.alias("text"), (pl.col("plain_number") | (kinds == "b").fill_null(False)).alias("num")
    )
    return (
        cells.select("row", "col", "text").filter(pl.col("text").is_not_null() & (pl.col("text") != "")),
        cells.filter(pl.col("num")).select("row", "col", "num"),
    )


def _grid(frames: list[pl.DataFrame], flags: list[pl.DataFrame]) -> Grid:
    if not frames:
        return Grid(pl.DataFrame())
    text = _stack(frames)
    height = _largest(text.get_column("row"))
    width = max(int(name) for name in text.columns if name != "row") + 1
    text = text.select(
        (pl.col(n) if n in text.columns else pl.lit(None, dtype=pl.String)).alias(f"c{n}")
        for n in map(str, range(width))
    )
    numeric = pl.DataFrame()
    if flags:
        numeric = _stack(flags, height)
        numeric = numeric.select(
            pl.col(n).fill_null(False).alias(f"n{n}") for n in numeric.columns if n != "row" and int(n) < width
        )
    return Grid(text, numeric)


def _stack(frames: list[pl.DataFrame], height: int | None = None) -> pl.DataFrame:
    """The chunks' wide frames one under the other, with a row for each sheet row from 1 (rows
    without a filled cell are null): joined onto the full row range only when rows are missing
    or out of order, which copies the sheet once more."""
    stacked = pl.concat(frames, how="diagonal")
    frames.clear()
    rows = stacked.get_column("row")
    height = height or _largest(rows)
    if rows.len() == height and rows.is_sorted() and rows[0] == 1:
        return stacked
    full = pl.DataFrame({"row": pl.int_range(1, height + 1, eager=True)})
    return full.join(stacked, on="row", how="left", maintain_order="left")

