"""A corpus of malicious and broken uploads (security.md §5.10, issue "bounded uploads").

``build(folder, full=False)`` writes every file and returns what the import must say about each:
:class:`Case` (file name, the report's message code, a description). The small corpus runs in
``make test`` (``registry/imports/tests/test_malicious_uploads.py``); ``full=True`` writes the
sizes of the audit (a 390 MiB sheet of 100 columns × 239,000 rows, a 1 GB zip bomb, a 500 MB CSV)
for ``bench/malicious_uploads.py``, which times each file and measures its peak memory.

Every file is generated here: nothing in the repository is a real attack file.
"""

from __future__ import annotations

import io
import random
import stat
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.imports.template import INCOME_HEADERS, MEMBER_HEADERS

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
BIRTH = date(1980, 5, 17)
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(frozen=True)
class Case:
    name: str
    code: str  # the message code the report carries (file level, or a row's for the data cases)
    about: str
    refused: bool = True  # False: reported as a warning, the file may still be imported


def _letters(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _sheet(rows: str, head: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{head}<worksheet xmlns="{MAIN}"><sheetData>{rows}'
            "</sheetData></worksheet>")


def _header_row() -> str:
    return '<row r="1">' + "".join(_cell(f"{_letters(j)}1", h) for j, h in enumerate(MEMBER_HEADERS)) + "</row>"


def workbook(path: Path, sheet_xml: str | bytes | None = None, *, shared: str | None = None,
             extra: dict[str, bytes] | None = None, content_type: str = "sheet.main+xml",
             sheet_writer=None, compress: int = zipfile.ZIP_DEFLATED) -> None:
    """A minimal workbook with one sheet 家庭成员; ``sheet_writer(handle)`` streams a large sheet."""
    with zipfile.ZipFile(path, "w", compress) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'spreadsheetml.{content_type}"/></Types>'))
        archive.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                         f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                         '<sheet name="家庭成员" sheetId="1" r:id="rId1"/></sheets></workbook>')
        rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared is not None:
            rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr("xl/_rels/workbook.xml.rels",
                         f'<?xml version="1.0"?><Relationships xmlns="{PKG}">{rels}</Relationships>')
        if sheet_writer is not None:
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
                sheet_writer(handle)
        else:
            archive.writestr("xl/worksheets/sheet1.xml", sheet_xml or _sheet(_header_row()))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)


def _member_rows(count: int, start: int = 2, ids: list[str] | None = None) -> str:
    rows = []
    for i in range(count):
        r = start + i
        id_number = ids[i] if ids else make_id_number("433122", BIRTH, i)
        values = [f"M{i:05d}", "433122102201", "", "一般农户", "王伟", id_number, "户主"]
        rows.append(f'<row r="{r}">' + "".join(_cell(f"{_letters(j)}{r}", v) for j, v in enumerate(values) if v)
                    + "</row>")
    return "".join(rows)


def build(folder: Path, *, full: bool = False) -> list[Case]:
    """Write the corpus into ``folder``; return its cases in order."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name: str, code: str, about: str, refused: bool = True) -> Path:
        cases.append(Case(name, code, about, refused))
        return folder / name

    # containers
    bomb_mb = 1024 if full else 8
    path = add("zip_bomb.xlsx", "zip_bomb", f"a sheet of {bomb_mb} MB of blanks compressed > 1000:1")

    def blanks(handle) -> None:
        handle.write(_sheet("").encode()[:-len("</sheetData></worksheet>")])
        block = b" " * (1 << 20)
        for _ in range(bomb_mb):
            handle.write(block)
        handle.write(b"</sheetData></worksheet>")

    workbook(path, sheet_writer=blanks)
    path = add("many_parts.xlsx", "zip_too_many_parts", "10,001 zip entries")
    workbook(path, extra={f"xl/media/p{i}.bin": b"" for i in range(10_001)})
    path = add("zip_slip.xlsx", "zip_unsafe_path", "an entry named ../../evil")
    workbook(path, extra={"../../evil.txt": b"x"})
    path = add("symlink.xlsx", "zip_symlink", "a symbolic-link entry")
    buffer = io.BytesIO()
    workbook(path)
    with zipfile.ZipFile(path, "a") as archive:
        info = zipfile.ZipInfo("xl/link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    path = add("macro.xlsm", "macro_file", "an .xlsm workbook")
    workbook(path, content_type="sheet.macroEnabled.main+xml", extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    path = add("macro_renamed.xlsx", "macro_file", "vbaProject.bin inside a file named .xlsx")
    workbook(path, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    path = add("program.xlsx", "unsupported_type", "a Windows program renamed .xlsx")
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 4096)
    del buffer

    # XML
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    path = add("billion_laughs.xlsx", "unreadable_file", "entity expansion in sharedStrings.xml")
    workbook(path, _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
             shared=f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">{laughs}]><sst xmlns="{MAIN}">'
                    "<si><t>&l9;</t></si></sst>")
    path = add("quadratic_blowup.xlsx", "unreadable_file", "one 100 kB entity used 20,000 times")
    workbook(path, _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
             shared=f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "{"x" * 100_000}">]><sst xmlns="{MAIN}">'
                    f"<si><t>{'&a;' * 20_000}</t></si></sst>")
    path = add("xxe.xlsx", "unreadable_file", "an external entity naming a local file")
    workbook(path, _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>',
                          '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'))

    # dimensions
    path = add("huge_dimensions.xlsx", "too_many_columns", "cells at A1 and XFD1048576")
    workbook(path, _sheet(_header_row() + '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"))
    path = add("columns_16384.xlsx", "too_many_columns", "16,384 filled columns")
    workbook(path, _sheet('<row r="1">' + "".join(_cell(f"{_letters(j)}1", "x") for j in range(16_384)) + "</row>"))
    rows = 239_000 if full else 3_000
    path = add("dense_100_columns.xlsx", "too_many_cells", f"100 columns × {rows:,} rows of filled cells")

    def dense(handle) -> None:
        handle.write(_sheet("").encode()[:-len("</sheetData></worksheet>")])
        # cells without references (``<c><v>7</v></c>``), as some writers do: 390 MiB of XML at
        # full size, under the limit of an archive's unpacked size and well under 50 MB zipped
        rng = random.Random(239)
        cells = [f"<c><v>{n:03d}</v></c>" for n in range(1000)]  # random: it compresses like data, ~9:1
        for _r in range(rows):
            handle.write(("<row>" + "".join(rng.choices(cells, k=100)) + "</row>").encode())
        handle.write(b"</sheetData></worksheet>")

    workbook(path, sheet_writer=dense)

    # CSV
    csv_mb = 500 if full else 3
    path = add("big.csv", "file_too_large", f"a {csv_mb} MB CSV")
    with path.open("wb") as handle:
        line = (",".join(MEMBER_HEADERS) + "\n").encode()
        handle.write(line)
        block = ("M00001,433122102201,,一般农户,王伟,," + "户主" + "\n").encode() * 20_000
        while handle.tell() < csv_mb << 20:
            handle.write(block)
    field_mb = 10 if full else 1
    path = add("long_field.csv", "field_too_long", f"one field of {field_mb} MB")
    path.write_bytes((",".join(MEMBER_HEADERS) + "\n" + "M1," + "x" * (field_mb << 20) + "\n").encode())
    path = add("nul_byte.csv", "nul_byte", "a NUL byte in a CSV")
    path.write_bytes((",".join(MEMBER_HEADERS) + "\nM1,433122102201\x00\n").encode())
    path = add("gbk_declared_utf8.csv", "unreadable_encoding", "GBK bytes after a UTF-8 byte-order mark")
    path.write_bytes(b"\xef\xbb\xbf" + (",".join(MEMBER_HEADERS) + "\n").encode("gbk"))
    path = add("formulas_gbk.csv", "formula_text", "GBK text whose names are formulas")
    formulas = [
        '=HYPERLINK("http://evil","点击")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+A1", "-2+3+cmd|'/C calc'!A0",
    ]
    lines = [",".join(MEMBER_HEADERS)]
    for i, text in enumerate(formulas):
        value = '"' + text.replace('"', '""') + '"'
        lines.append(f"F{i},433122102201,,一般农户,{value},{make_id_number('433122', BIRTH, i)},户主")
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))

    # data the checks refuse
    path = add("id_as_number.xlsx", "numeric_cell", "an 18-digit ID typed as a number")
    workbook(path, _sheet(_header_row() + '<row r="2">' + _cell("A2", "N1") + _cell("B2", "433122102201")
                          + _cell("D2", "一般农户") + _cell("E2", "王伟") + '<c r="F2"><v>4.33122198506151E+17</v></c>'
                          + _cell("G2", "户主") + "</row>"))
    same = make_id_number("433122", BIRTH, 7)
    path = add("duplicate_ids.xlsx", "duplicate_id_file", "one ID in two households")
    workbook(path, _sheet(_header_row() + _member_rows(2, ids=[same, same])))
    # Not refused: people born elsewhere (a spouse from another province) and abolished counties
    # carry such numbers; the registry keeps them with a warning on the cell.
    path = add("unknown_region_id.xlsx", "unknown_region", "an ID whose address code is in no region list",
               refused=False)
    workbook(path, _sheet(_header_row() + _member_rows(1, ids=[make_id_number("990101", BIRTH, 3)])))
    path = add("empty.xlsx", "empty_file", "an empty file")
    path.write_bytes(b"")
    path = add("header_only.xlsx", "no_rows", "the header row and nothing else")
    workbook(path, _sheet(_header_row()))
    path = add("wrong_header.xlsx", "missing_columns", "a sheet named as expected with other headers")
    other = "".join(_cell(f"{_letters(j)}1", h) for j, h in enumerate(INCOME_HEADERS[3:]))
    workbook(path, _sheet(f'<row r="1">{other}</row>'))
    return cases
