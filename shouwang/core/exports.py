"""Safe spreadsheet and CSV writers that every export and downloadable report goes through.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab, carriage return or NUL,
or the full-width ``＝＋－＠`` that Excel also accepts) is read by spreadsheet programs as a
formula: a downloaded report could then run ``=HYPERLINK(...)`` or a DDE command on the reader's
machine (CSV/formula injection, OWASP). Such text gets a leading apostrophe, and xlsx cells are
always written as strings, never as formulas or URLs.

A file written to a path is created with mode 0600 (:mod:`shouwang.core.files`). A ``watermark``
(an unmasked export's who, when and why) is written as the last line of the file, in the
workbook's properties and in every sheet's printed header and footer.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from .files import make_private, open_private

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """The value with formula-looking text neutralised; numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(safe_cell(value) if isinstance(value, str) else value)


def write_csv(
    target: str | Path | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title_rows: Sequence[Sequence[Any]] = (),
    watermark: str = "",
) -> None:
    """UTF-8 with a BOM (so that Excel on Chinese Windows opens it correctly), every cell neutralised.

    ``title_rows`` are written above the header (a layout whose header is not the first row);
    ``watermark`` is the last line (the header stays the first line, as CSV tools expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for title in title_rows:
        writer.writerow([_csv_text(v) for v in title])
    writer.writerow([_csv_text(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    if watermark:
        writer.writerow([_csv_text(watermark)])
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if isinstance(target, (str, Path)):
        with open_private(target) as handle:
            handle.write(data)
    else:
        target.write(data)


def write_xlsx(
    target: str | Path | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "Sheet1",
    title_rows: Sequence[Sequence[Any]] = (),
    watermark: str = "",
) -> None:
    """One sheet with a bold header row (below ``title_rows``, if any); see :func:`write_xlsx_sheets`."""
    write_xlsx_sheets(target, [(sheet_name, headers, rows, title_rows)], watermark=watermark)


def write_xlsx_sheets(
    target: str | Path | IO[bytes],
    sheets: Sequence[
        tuple[str, Sequence[str], Iterable[Sequence[Any]]]
        | tuple[str, Sequence[str], Iterable[Sequence[Any]], Sequence[Sequence[Any]]]
    ],
    *,
    watermark: str = "",
) -> None:
    """Write ``(name, headers, rows)`` sheets, or ``(name, headers, rows, title_rows)`` where title
    rows stand above the header. Strings go through ``write_string`` and the workbook never turns
    strings into formulas, numbers or links, so every text cell stays text. ``watermark``: see
    the module docstring."""
    to_file = isinstance(target, (str, Path))
    if isinstance(target, (str, Path)):
        make_private(target)  # xlsxwriter truncates the file by name and keeps its mode
    options = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "remove_timezone": True,
        "constant_memory": to_file,
        "in_memory": not to_file,
    }
    workbook = xlsxwriter.Workbook(str(target) if to_file else target, options)
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    if watermark:
        workbook.set_properties({"comments": watermark, "keywords": watermark[:255]})
        workbook.set_custom_property("watermark", watermark[:255])
    for name, sheet_headers, sheet_rows, *rest in sheets:
        sheet = workbook.add_worksheet(name[:31])
        titles: Sequence[Sequence[Any]] = rest[0] if rest else ()
        for r, title in enumerate(titles):
            for col, value in enumerate(title):
                _write_cell(sheet, r, col, value, date_format)
        top = len(titles)
        for col, header in enumerate(sheet_headers):
            sheet.write_string(top, col, str(safe_cell(str(header))), bold)
        last = top
        for r, row in enumerate(sheet_rows, start=top + 1):
            last = r
            for col, value in enumerate(row):
                _write_cell(sheet, r, col, value, date_format)
        if watermark:
            printed = "&L" + watermark.replace("&", "&&")[:240]  # "&" starts a header code
            sheet.set_header(printed)
            sheet.set_footer(printed)
            sheet.write_string(last + 2, 0, str(safe_cell(watermark)), bold)
    workbook.close()


def _write_cell(sheet, row: int, col: int, value: Any, date_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float, decimal.Decimal)):
        sheet.write_number(row, col, float(value))
    elif isinstance(value, (datetime.date, datetime.datetime)):
        sheet.write_datetime(row, col, value, date_format)
    else:
        sheet.write_string(row, col, str(safe_cell(str(value))))
