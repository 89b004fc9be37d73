"""The streaming xlsx reader: the text calamine gave, cell for cell, from either parser; limits
refused while reading; entity tricks refused."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import fastexcel
import polars as pl
import pytest
import xlsxwriter

from shouwang.core import xlsx

LIMITS = xlsx.Limits(rows=1000, columns=200, cells=100_000)


def varied_workbook(constant_memory: bool = False) -> bytes:
    """Every kind of cell a county's spreadsheet has: shared or inline strings, numbers of every
    shape, booleans, dates in built-in and custom formats, formulas, escapes, empty rows and
    columns before the data."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": constant_memory,
                                        "strings_to_numbers": False})
    sheet = book.add_worksheet("名单")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    month_format = book.add_format({"num_format": "yyyy年m月"})
    time_format = book.add_format({"num_format": "hh:mm"})
    percent = book.add_format({"num_format": "0.00%"})
    quoted = book.add_format({"num_format": '"day "0'})  # a 'd' inside quotes: not a date
    values = [1, 1.5, 13812345678, 433122198506151234, 0.1 + 0.2, 1e-7, 1e21, -3.0, 123456789012.5, 2.5e-5]
    for i, value in enumerate(values):  # from row 3, column B: rows 1–2 and column A empty
        sheet.write_number(2 + i, 1, value)
    sheet.write_boolean(2, 2, True)
    sheet.write_boolean(3, 2, False)
    sheet.write_datetime(4, 2, datetime(2024, 1, 5), date_format)
    sheet.write_datetime(5, 2, datetime(2024, 1, 5, 13, 30), date_format)
    sheet.write_number(6, 2, 45300, month_format)
    sheet.write_number(7, 2, 0.5, time_format)
    sheet.write_number(8, 2, 0.25, percent)
    sheet.write_number(9, 2, 7, quoted)
    sheet.write_formula(10, 2, '="ab"&"c"', None, "abc")
    sheet.write_formula(11, 2, "=1+1", None, 2)
    sheet.write_string(2, 3, "  spaced  ")
    sheet.write_string(3, 3, "a&b<c>\"'")
    sheet.write_string(4, 3, "证件号码")
    sheet.write_string(5, 3, "433122198506151234")
    sheet.write_rich_string(6, 3, "红", book.add_format({"bold": True}), "色", "村")
    sheet.write_string(7, 3, "line\r\nbreak")
    sheet.write_string(40, 5, "far")
    book.close()
    return buffer.getvalue()


def calamine_grid(data: bytes, sheet: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the engine read before: calamine's text and which cells were numbers (it starts at
    the first used cell)."""
    reader = fastexcel.read_excel(data)
    text = pl.DataFrame(reader.load_sheet(sheet, header_row=None, dtypes="string"))
    numbers = pl.DataFrame(reader.load_sheet(sheet, header_row=None, dtypes="boolean"))
    return text, numbers


def assert_same_as_calamine(data: bytes, sheet: str, top: int, left: int) -> xlsx.Grid:
    grid = xlsx.Book(data, LIMITS).read(sheet)
    text, numbers = calamine_grid(data, sheet)
    mine = grid.text.slice(top).select(grid.text.columns[left:])
    assert mine.height == text.height and mine.width == text.width
    for j in range(text.width):
        assert mine.to_series(j).to_list() == text.to_series(j).to_list(), f"column {j}"
        assert (
            grid.numeric_column(j + left).slice(top).to_list() == numbers.to_series(j).is_not_null().to_list()
        ), f"numbers in column {j}"
    return grid


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared strings", "inline strings"])
def test_reads_what_calamine_read(constant_memory):
    data = varied_workbook(constant_memory)
    grid = assert_same_as_calamine(data, "名单", top=2, left=1)
    text = grid.text
    # from A1: grid row i is sheet row i + 1, however many rows and columns are empty before the data
    assert text.columns[:2] == ["c0", "c1"] and text.get_column("c0").null_count() == text.height
    assert text.row(2)[1:4] == ("1", "true", "  spaced  ")
    assert text.get_column("c1").to_list()[2:12] == [
        "1", "1.5", "13812345678", "433122198506151168", "0.3", "0.0000001", "1000000000000000000000",
        "-3", "123456789012.5", "0.000025",
    ]
    assert text.get_column("c2").to_list()[2:12] == [
        "true", "false", "2024-01-05 00:00:00", "2024-01-05 13:30:00", "2024-01-09 00:00:00",
        "1899-12-31 12:00:00", "0.25", "7", "abc", "2",
    ]
    assert text.get_column("c3").to_list()[2:8] == [
        "  spaced  ", "a&b<c>\"'", "证件号码", "433122198506151234", "红色村", "line\r\nbreak",
    ]
    assert text.height == 41 and text.row(40)[5] == "far"
    numeric = grid.numeric_column(1).to_list()
    assert numeric[:2] == [False, False] and all(numeric[2:12])
    # booleans count as numbers (as calamine's reading did); dates and text do not
    assert grid.numeric_column(2).to_list()[2:6] == [True, True, False, False]
    assert not any(grid.numeric_column(3).to_list())


def _package(sheet_xml: str, shared: str | None = None, workbook_extra: str = "") -> bytes:
    """A workbook written by hand: the layouts other tools produce."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                         'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                         f'relationships">{workbook_extra}<sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets>'
                         '</workbook>')
        rels = ('<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'worksheet" Target="worksheets/sheet1.xml"/>')
        if shared is not None:
            rels += ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                     'relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>')
            archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                         f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED = (
    f'<?xml version="1.0"?><sst {MAIN} count="3" uniqueCount="3">'
    '<si><t>户编号</t></si>'
    '<si><r><rPr><b/></rPr><t>王</t></r><r><t xml:space="preserve"> 伟</t></r>'
    '<rPh sb="0" eb="1"><t>wang</t></rPh></si>'
    '<si><t>A&amp;B &#x4E00;_x000D_</t></si></sst>'
)


def test_the_plain_parser_reads_other_layouts_the_same():
    """Cells without references, single quotes, prefixed elements: the one-cell-at-a-time parser."""
    usual = _package(
        f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="B3" s="0"><v>12.50</v></c><c r="C3" t="s"><v>2</v></c>'
        '<c r="D3" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c></row></sheetData></worksheet>',
        SHARED,
    )
    unreferenced = _package(
        f"<worksheet {MAIN}><sheetData><row><c t='s'><v>0</v></c><c/><c t='s'><v>1</v></c></row>"
        "<row r='3'><c r='B3'><v>12.50</v></c><c t='s'><v>2</v></c>"
        "<c t='inlineStr'><is><t xml:space='preserve'> x </t></is></c></row></sheetData></worksheet>",
        SHARED,
    )
    prefixed = _package(
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="s"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="3"><x:c r="B3"><x:v>12.50</x:v></x:c><x:c r="C3" t="s"><x:v>2</x:v></x:c>'
        '<x:c r="D3" t="inlineStr"><x:is><x:t> x </x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>',
        SHARED,
    )
    expected = [["户编号", None, "王 伟", None], [None, None, None, None], [None, "12.5", "A&B 一\r", " x "]]
    for data in (usual, unreferenced, prefixed):
        grid = xlsx.Book(data, LIMITS).read("名单")
        assert [list(row) for row in grid.text.iter_rows()] == expected
        assert grid.numeric_column(1).to_list() == [False, False, True]


@pytest.mark.parametrize("parsers", [1, 2, 3])
def test_chunks_parsed_side_by_side_keep_their_order_and_the_switch_to_the_plain_parser(monkeypatch, parsers):
    """Small chunks parsed in threads come back in sheet order; where the fast reading stops fitting
    (rows and cells without references from row 201), that chunk and all after it are read by the
    plain parser, which numbers the rows on from the row before."""
    monkeypatch.setattr(xlsx, "CHUNK_BYTES", 512)
    monkeypatch.setattr(xlsx, "PARSERS", parsers)
    referenced = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>r{i}</t></is></c><c r="B{i}"><v>{i}</v></c></row>'
        for i in range(1, 201)
    )
    unreferenced = "".join(
        f"<row><c t='inlineStr'><is><t>v{i}</t></is></c><c><v>{i}</v></c></row>" for i in range(201, 301)
    )
    data = _package(f"<worksheet {MAIN}><sheetData>{referenced}{unreferenced}</sheetData></worksheet>")
    grid = xlsx.Book(data, xlsx.Limits(rows=10_000, columns=200, cells=100_000)).read("名单")
    expected = [[f"r{i}" if i <= 200 else f"v{i}", str(i)] for i in range(1, 301)]
    assert [list(row) for row in grid.text.iter_rows()] == expected
    assert grid.numeric_column(1).to_list() == [True] * 300


def test_too_many_columns_is_refused_at_the_first_cell_beyond():
    cells = "".join(f'<c r="{_letters(j)}1" t="inlineStr"><is><t>x</t></is></c>' for j in range(0, 16384, 97))
    data = _package(f"<worksheet {MAIN}><sheetData><row r=\"1\">{cells}</row></sheetData></worksheet>")
    with pytest.raises(xlsx.SheetError) as caught:
        xlsx.Book(data, LIMITS).read("名单")
    assert caught.value.code == "too_many_columns" and caught.value.params["limit"] == 200


def test_too_many_rows_and_cells_are_refused():
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="B{i}"><v>{i}</v></c></row>' for i in range(1, 1500))
    data = _package(f"<worksheet {MAIN}><sheetData>{rows}</sheetData></worksheet>")
    with pytest.raises(xlsx.SheetError) as caught:
        xlsx.Book(data, LIMITS).read("名单")
    assert caught.value.code == "too_many_rows" and caught.value.params["rows"] > 1000
    with pytest.raises(xlsx.SheetError) as caught:
        xlsx.Book(data, xlsx.Limits(rows=10_000, columns=200, cells=500)).read("名单")
    assert caught.value.code == "too_many_cells"
    assert xlsx.Book(data, xlsx.Limits(rows=10_000, columns=200, cells=5000)).read("名单").text.shape == (1499, 2)


@pytest.mark.parametrize("where", ["sheet", "shared", "workbook"])
def test_a_document_type_declaration_is_refused(where):
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    sheet = f'<?xml version="1.0"?><worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>' \
            "</sheetData></worksheet>"
    shared = f'<?xml version="1.0"?><sst {MAIN}><si><t>&lol2;</t></si></sst>'
    if where == "sheet":
        sheet = sheet.replace('<?xml version="1.0"?>', '<?xml version="1.0"?>' + bomb)
    elif where == "shared":
        shared = shared.replace('<?xml version="1.0"?>', '<?xml version="1.0"?>' + bomb)
    data = _package(sheet, shared, workbook_extra="")
    if where == "workbook":
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
            for info in source.infolist():
                content = source.read(info.filename)
                if info.filename == "xl/workbook.xml":
                    content = content.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0"?>' + bomb.encode())
                target.writestr(info.filename, content)
        data = buffer.getvalue()
    with pytest.raises(xlsx.SheetError) as caught:
        xlsx.Book(data, LIMITS).read("名单")
    assert caught.value.code == "unreadable_file"


def test_date_formats():
    assert xlsx.is_date_format("yyyy-mm-dd") and xlsx.is_date_format("[$-804]yyyy\"年\"m\"月\"d\"日\"")
    assert xlsx.is_date_format("[h]:mm:ss") and xlsx.is_date_format("hh:mm")
    assert not xlsx.is_date_format("0.00%") and not xlsx.is_date_format('"day "0')
    assert not xlsx.is_date_format("[Red]0.00") and not xlsx.is_date_format("General")
    assert xlsx.date_text("45300") == "2024-01-09 00:00:00"
    assert xlsx.date_text("0", date1904=True) == "1904-01-01 00:00:00"
    assert xlsx.number_text("4.331221985061512E+17") == "433122198506151168"
    assert xlsx.number_text("1E-07") == "0.0000001"


def _letters(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def test_unescape_touches_only_values_with_an_escape_and_keeps_order():
    values = pl.Series(["plain", "a&lt;b&gt;", None, "x_x000D_y", "&amp;lt;", "_xZZ", "&#20013;&quot;", "3&amp;4"])
    assert xlsx.unescape(values).to_list() == ["plain", "a<b>", None, "x\ry", "&lt;", "_xZZ", '中"', "3&4"]
    assert xlsx.unescape(pl.Series(["a", None], dtype=pl.String)).to_list() == ["a", None]
