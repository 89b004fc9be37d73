from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import fastexcel
import polars as pl
import pytest

from shouwang.core.exports import safe_cell, write_csv, write_xlsx

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tcmd",
    "\rcmd",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_cell_prefixes_formula_triggers_with_an_apostrophe(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["张三", "433122********1234", "a=b", "", None, 12, Decimal("-5.5"), 1.5])
def test_safe_cell_leaves_ordinary_values_alone(value):
    assert safe_cell(value) == value


def test_csv_has_a_bom_and_neutralised_cells():
    buffer = io.BytesIO()
    write_csv(buffer, ["列", "=x"], [["=1+1", "户主"], [None, 3]])
    data = buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["列", "'=x"], ["'=1+1", "户主"], ["", "3"]]


def test_xlsx_writes_every_payload_as_text_and_no_formula(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx(path, ["value", "n"], [[p, 1] for p in PAYLOADS], sheet_name="报告")
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet
    frame = pl.DataFrame(fastexcel.read_excel(str(path)).load_sheet("报告", dtypes="string"))
    assert frame["value"].to_list() == ["'" + p for p in PAYLOADS]


def test_xlsx_to_a_buffer_keeps_numbers_as_numbers():
    buffer = io.BytesIO()
    write_xlsx(buffer, ["amount"], [[Decimal("1234.50")], [7]])
    frame = pl.DataFrame(fastexcel.read_excel(buffer.getvalue()).load_sheet(0))
    assert frame["amount"].to_list() == [1234.5, 7.0]
