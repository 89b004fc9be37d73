from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
import xlsxwriter
from django.test import override_settings
from django.utils import translation

from shouwang.core import imports
from shouwang.core.imports import (
    Choices,
    Column,
    ImportFileError,
    Report,
    SheetSpec,
    load_tables,
    normalise_header,
    open_source,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    parse_year,
    problem,
    read_table,
)

SPEC = SheetSpec(
    name="名单",
    columns=(
        Column("number", "户编号", ("户号",), required=True),
        Column(
            "id_number", "证件号码", ("身份证号", "公民身份号码"), required=True, id_cell=True, sensitive="id"
        ),
        Column("amount", "金额"),
    ),
)
ID_TEXT = "433122198506151234"


def xlsx_bytes(rows: list[list], sheet: str = "名单") -> bytes:
    """Cells as given: str → text cell, int/float → number cell, None → empty."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    ws = workbook.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def load(data: bytes, filename: str = "f.xlsx", spec: SheetSpec = SPEC):
    report = Report()
    tables = load_tables([open_source(data, filename)], [spec], report)
    return tables.get(spec.name), report


# --- headers -----------------------------------------------------------------------------------


def test_header_row_is_found_below_title_rows_and_rows_keep_their_spreadsheet_numbers():
    data = xlsx_bytes(
        [["泸溪县农户名单"], [None], ["户编号", "证件号码"], ["H1", ID_TEXT], [None, None], ["H2", ID_TEXT]]
    )
    table, report = load(data)
    assert report.ok
    assert table.header_row == 3
    assert table.frame["_row"].to_list() == [4, 6]  # the blank row 5 is skipped, numbering is not
    assert table.frame["number"].to_list() == ["H1", "H2"]


def test_headers_match_through_synonyms_full_width_spaces_asterisks_and_line_breaks():
    data = xlsx_bytes([["备注", "＊户 号", "公民身份\n号码", "　金额　"], ["x", "H1", ID_TEXT, "5"]])
    table, report = load(data)
    assert report.ok
    assert set(table.keys) == {"number", "id_number", "amount"}
    assert table.frame.select("number", "id_number", "amount").row(0) == ("H1", ID_TEXT, "5")
    assert "备注" not in table.frame.columns  # extra columns are ignored


def test_normalise_header_folds_full_width_forms():
    assert normalise_header(" 务工时长（月）* ") == normalise_header("务工时长(月)")


def test_missing_required_header_is_a_file_level_error_naming_the_column():
    data = xlsx_bytes([["户编号", "姓名"], ["H1", "张三"]])
    table, report = load(data)
    assert table is None
    (issue,) = report.errors
    assert issue.code == "missing_columns" and "证件号码" in issue.reason and issue.row == 1


# --- numeric ID cells --------------------------------------------------------------------------


def test_numeric_id_cell_is_flagged_and_text_cells_are_not():
    data = xlsx_bytes(
        [["户编号", "证件号码"], ["H1", ID_TEXT], ["H2", 433122198506151234], ["H3", "1"], ["H4", 0]]
    )
    table, _ = load(data)
    frame = table.frame
    assert frame["_num_id_number"].to_list() == [False, True, False, True]
    # the number already lost its last digits: this is why it must be refused, not "repaired"
    assert frame["id_number"][1] == "433122198506151168"


def test_csv_cells_are_never_numeric():
    data = "户编号,证件号码\nH1,4.33122E+17\n".encode()
    table, _ = load(data, "f.csv")
    assert table.frame["_num_id_number"].to_list() == [False]


# --- CSV encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_gb18030(encoding):
    data = '名单\n户编号,证件号码,金额\nH1,433122198506151234,"1,234元"\n'.encode(encoding)
    table, report = load(data, "名单.csv")
    assert report.ok
    assert table.frame.select("number", "id_number", "amount").row(0) == ("H1", ID_TEXT, "1,234元")
    assert table.header_row == 2


def test_undecodable_csv_is_refused_not_repaired():
    data = "户编号,证件号码\n".encode() + b"\xff\xfe\x81\x20broken\n"
    with pytest.raises(ImportFileError) as info:
        open_source(data, "bad.csv")
    assert info.value.code == "unreadable_encoding"


def test_csv_with_nul_bytes_is_refused():
    with pytest.raises(ImportFileError) as info:
        open_source(b"a,b\n\x00\x00,1\n", "x.csv")
    assert info.value.code == "nul_byte"


def test_read_table_returns_the_raw_text_grid():
    grid = read_table(xlsx_bytes([["a", 1.5], [None, "b"]]), "x.xlsx")
    assert grid.rows() == [("a", "1.5"), (None, "b")]


# --- container hardening -----------------------------------------------------------------------


def zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CT = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ({"[Content_Types].xml": CT, **{f"x/{i}.xml": b"x" for i in range(1001)}}, "zip_too_many_parts"),
        ({"[Content_Types].xml": CT, "../../evil.xml": b"x"}, "zip_unsafe_path"),
        ({"[Content_Types].xml": CT, "/etc/passwd": b"x"}, "zip_unsafe_path"),
        ({"[Content_Types].xml": CT, "xl/vbaProject.bin": b"x"}, "macro_file"),
        ({"[Content_Types].xml": CT, "xl/worksheets/sheet1.xml": b"\0" * (5 * 1024 * 1024)}, "zip_bomb"),
        (
            {
                "[Content_Types].xml": CT.replace(
                    b"/>",
                    b"><Default ContentType='application/vnd.ms-excel.sheet.macroEnabled.main+xml'/></Types>",
                )
            },
            "macro_file",
        ),
        ({"hello.txt": b"not a workbook"}, "not_ooxml"),
    ],
)
def test_dangerous_xlsx_containers_are_refused_before_parsing(entries, code):
    with pytest.raises(ImportFileError) as info:
        open_source(zip_bytes(entries), "evil.xlsx")
    assert info.value.code == code
    assert str(info.value)  # a readable message, never a stack trace


def test_uncompressed_size_limit(settings):
    settings.SHOUWANG_IMPORT_MAX_UNCOMPRESSED = 1024
    data = zip_bytes({"[Content_Types].xml": CT, "a.xml": b"<a>" + b"x" * 2000 + b"</a>"}, zipfile.ZIP_STORED)
    with pytest.raises(ImportFileError) as info:
        open_source(data, "big.xlsx")
    assert info.value.code == "zip_too_large"


@override_settings(SHOUWANG_UPLOAD_MAX_BYTES=100)
def test_upload_size_limit():
    with pytest.raises(ImportFileError) as info:
        open_source(b"a,b\n" * 100, "big.csv")
    assert info.value.code == "file_too_large"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"MZ\x90\x00 this is an exe", "payload.xlsx", "unsupported_type"),
        (b"PK\x03\x04 truncated zip", "broken.xlsx", "zip_unreadable"),
        (b"", "empty.csv", "empty_file"),
        (b"a,b\n", "macro.xlsm", "macro_file"),
    ],
)
def test_files_that_are_not_spreadsheets_get_a_clear_error(data, name, code):
    with pytest.raises(ImportFileError) as info:
        open_source(data, name)
    assert info.value.code == code


def test_wrong_content_behind_an_xls_name_is_unreadable_not_a_crash():
    with pytest.raises(ImportFileError) as info:
        open_source(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "fake.xls")
    assert info.value.code == "unreadable_file"


# --- value parsers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("1234元", Decimal("1234.00")),
        ("１２３４", Decimal("1234.00")),
        ("￥1,200", Decimal("1200.00")),
        ("¥ 3 000", Decimal("3000.00")),
        ("1，200．5", Decimal("1200.50")),
        ("0.125", Decimal("0.13")),
        ("  88 ", Decimal("88.00")),
        ("人民币500元", Decimal("500.00")),
    ],
)
def test_amounts_accept_yuan_separators_and_full_width_digits(text, expected):
    assert parse_amount(text) == (expected, None)


def test_amount_blank_is_the_columns_default():
    assert parse_amount("") == (Decimal(0), None)
    assert parse_amount(None, blank=None) == (None, None)
    value, prob = parse_amount("  ", blank=imports.REQUIRED)
    assert value is None and prob.code == "required"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "not_a_number"),
        ("12元3", "not_a_number"),
        ("1.2.3", "not_a_number"),
        ("-5", "negative"),
        ("1e400", "not_a_number"),
        ("99999999999", "out_of_range"),
        ("12\n34", "not_a_number"),  # a line break inside the cell: an error, not an exception
    ],
)
def test_bad_amounts_are_errors_naming_the_value(text, code):
    value, prob = parse_amount(text)
    assert value is None and prob.code == code
    assert text in prob.reason or code == "out_of_range"


def test_negative_amount_where_allowed():
    assert parse_amount("-5", allow_negative=True) == (Decimal("-5.00"), None)


@pytest.mark.parametrize("text", ["是", "Y", "y", "yes", "1", "TRUE", "true", "√", "有", "１", "1.0"])
def test_true_words(text):
    assert parse_bool(text) == (True, None)


@pytest.mark.parametrize("text", ["否", "N", "n", "0", "false", "×", "无", "０"])
def test_false_words(text):
    assert parse_bool(text) == (False, None)


def test_bool_errors_and_blank_default():
    assert parse_bool("", blank=True) == (True, None)
    value, prob = parse_bool("可能")
    assert value is None and prob.code == "not_a_boolean" and "可能" in prob.reason


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "2024年03月05日",
        "20240305",
        "45356",
        "45356.0",
        "2024-03-05 00:00:00",
        "２０２４－０３－０５",
    ],
)
def test_dates_in_every_usual_form(text):
    assert parse_date(text) == (date(2024, 3, 5), None)


@pytest.mark.parametrize("text", ["2024-02-30", "3/5/2024", "yesterday", "2024年13月1日"])
def test_bad_dates(text):
    value, prob = parse_date(text)
    assert value is None and prob.code == "not_a_date"


def test_dates_outside_the_plausible_range():
    value, prob = parse_date("1850-01-01")
    assert value is None and prob.code == "out_of_range"


def test_integers_and_years():
    assert parse_int("１２", low=0, high=12) == (12, None)
    assert parse_int("6.0") == (6, None)
    assert parse_int("13", low=0, high=12)[1].code == "out_of_range"
    assert parse_int("6.5")[1].code == "not_an_integer"
    assert parse_year("2024年") == (2024, None)
    assert parse_year("2024.0") == (2024, None)
    assert parse_year("1800")[1].code == "not_a_year"
    assert parse_year("")[1].code == "required"


def test_choices_fold_full_width_and_list_the_labels_when_unknown():
    choices = Choices({"脱贫户": "ex_poor", "一般农户": "ordinary"}, {"脱贫户(含监测)": "ex_poor"})
    assert choices.parse("脱贫户（含监测）") == ("ex_poor", None)
    assert choices.parse(" 一般 农户 ") == ("ordinary", None)
    value, prob = choices.parse("富裕户")
    assert value is None and prob.code == "unknown_choice"
    assert "富裕户" in prob.reason and "脱贫户" in prob.reason and "一般农户" in prob.reason


# --- report ------------------------------------------------------------------------------------


def test_report_json_has_the_documented_shape():
    report = Report(total=3, accepted=2, rejected=1)
    report.add("家庭成员", 4, "证件号码", "433122********1234", problem("required"))
    report.add("家庭成员", 5, "性别", "x", problem("not_a_boolean", value="x"), severity="warning")
    data = report.to_dict()
    assert list(data)[:8] == [
        "total",
        "accepted",
        "rejected",
        "created",
        "updated",
        "unchanged",
        "warnings",
        "errors",
    ]
    assert data["warnings"] == 1
    assert data["errors"] == [
        {
            "sheet": "家庭成员",
            "row": 4,
            "column": "证件号码",
            "value": "433122********1234",
            "code": "required",
            "reason": "A value is required.",
        }
    ]
    assert data["warning_details"][0]["row"] == 5


def test_stored_report_is_rendered_again_in_the_readers_language(monkeypatch):
    report = Report()
    report.add("收支情况", 7, "工资性收入", "abc", problem("not_a_number", value="abc"))
    stored = report.to_dict(portable=True)
    monkeypatch.setattr(imports, "gettext", lambda msgid: "【" + msgid + "】")
    again = Report.from_dict(stored)
    assert again.errors[0].reason == "【“abc” is not a number.】"
    assert again.errors[0].row == 7 and again.errors[0].code == "not_a_number"


def test_report_downloads_neutralise_formula_values(tmp_path):
    report = Report()
    report.add("家庭成员", 3, "姓名", '=HYPERLINK("http://evil")', problem("required"))
    report.write_csv(tmp_path / "r.csv")
    report.write_xlsx(tmp_path / "r.xlsx")
    text = (tmp_path / "r.csv").read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    with zipfile.ZipFile(tmp_path / "r.xlsx") as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_sensitive_values_are_masked_in_issues():
    data = xlsx_bytes([["户编号", "证件号码"], ["H1", ID_TEXT]])
    table, _ = load(data)
    report = Report()
    table.report(report, 2, "id_number", ID_TEXT, problem("required"))
    assert report.errors[0].value == "433122********1234"


def test_reasons_are_rendered_in_the_active_language():
    report = Report()
    report.add("家庭成员", 7, "务工所在地", "x" * 300, problem("too_long", length=300, limit=200))
    stored = report.to_dict(portable=True)
    english = Report.from_dict(stored).errors[0].reason
    with translation.override("zh-hans"):
        chinese = Report.from_dict(stored).errors[0].reason
    assert english == "The value is 300 characters long; at most 200 are allowed."
    assert chinese != english and "300" in chinese and re.search("[\u4e00-\u9fff]", chinese)


# --- the cycle collector paused during an import --------------------------------------------------


def test_an_import_runs_with_the_cycle_collector_paused_and_restores_it():
    import gc

    seen = []

    @imports.without_cycle_collection
    def run(fail=False):
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("bad file")
        return "report"

    assert gc.isenabled()
    assert run() == "report"
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ValueError):
        run(fail=True)
    assert seen == [False, False] and gc.isenabled()  # restored after a failure too


def test_the_collector_runs_again_only_when_the_last_import_ends_and_only_if_it_ran_before():
    import gc

    seen = []

    @imports.without_cycle_collection
    def inner():
        seen.append(("inner", gc.isenabled()))

    @imports.without_cycle_collection
    def outer():
        inner()
        seen.append(("outer, after inner", gc.isenabled()))  # another import still running: still paused

    outer()
    assert seen == [("inner", False), ("outer, after inner", False)]
    assert gc.isenabled()
    gc.disable()  # paused by someone else: left so
    try:
        outer()
        assert not gc.isenabled()
    finally:
        gc.enable()
