from __future__ import annotations

import io
import json

import fastexcel
import polars as pl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from shouwang.registry.imports.template import MEMBER_HEADERS
from shouwang.registry.imports.tests.registry_files import VILLAGE_B1, csv_bytes, household, write_xlsx, year
from shouwang.registry.models import Household, Member

pytestmark = pytest.mark.django_db


def command(*args) -> tuple[str, dict | None]:
    out = io.StringIO()
    call_command("import_registry", *[str(a) for a in args], stdout=out)
    text = out.getvalue()
    return text, (json.loads(text) if "--json" in args else None)


def bad_file(tmp_path):
    rows = household("H1", 1) + household("H2", 10)
    rows[1]["证件号码"] = rows[1]["证件号码"][:17] + ("1" if rows[1]["证件号码"][17] == "0" else "0")
    return write_xlsx(tmp_path / "bad.xlsx", rows, [year("H1"), year("H2", 工资性收入="n/a")])


def test_json_prints_exactly_one_object_of_the_documented_shape_and_commits_nothing_on_errors(
    regions, tmp_path
):
    text, data = command(bad_file(tmp_path), "--json")
    assert text.count("\n") <= 1
    for key in ("total", "accepted", "rejected", "created", "updated", "unchanged", "warnings", "errors"):
        assert key in data
    assert data["total"] == 8 and data["accepted"] + data["rejected"] == 8
    assert [(e["sheet"], e["row"], e["column"]) for e in data["errors"]] == [
        ("家庭成员", 3, "证件号码"),
        ("收支情况", 3, "工资性收入"),
    ]
    assert all(e["reason"] for e in data["errors"])
    assert not Household.objects.exists()


def test_commit_then_the_same_file_again_changes_nothing(regions, tmp_path):
    path = write_xlsx(
        tmp_path / "ok.xlsx", household("H1", 1) + household("H2", 10), [year("H1"), year("H2")]
    )
    _, first = command(path, "--json")
    assert (first["created"], first["updated"], first["errors"]) == (2, 0, [])
    _, again = command(path, "--json")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_dry_run_writes_nothing(regions, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", household("H1", 1), [year("H1")])
    _, data = command(path, "--dry-run", "--json")
    assert data["created"] == 1 and data["committed"] is False
    assert not Member.objects.exists()


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_report_file_lists_the_problems(regions, tmp_path, suffix):
    out = tmp_path / f"report.{suffix}"
    text, _ = command(bad_file(tmp_path), "--report", out, "--language", "en")
    assert "Nothing was written" in text
    if suffix == "csv":
        content = out.read_bytes().decode("utf-8-sig")
        assert "收支情况" in content and "n/a" in content
    else:
        frame = pl.DataFrame(fastexcel.read_excel(str(out)).load_sheet(0, dtypes="string"))
        assert frame.height == 2
        assert "n/a" in frame.to_series(4).to_list()


def test_two_csv_files(regions, tmp_path):
    members = tmp_path / "m.csv"
    members.write_bytes(csv_bytes(MEMBER_HEADERS, household("H1", 1), "gb18030"))
    years = tmp_path / "y.csv"
    years.write_bytes(
        csv_bytes(
            ["户编号", "年度", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出"],
            [year("H1")],
        )
    )
    _, data = command(members, years, "--json")
    assert data["errors"] == [] and data["created"] == 1


def test_unreadable_file_is_reported_in_json_with_exit_status_zero(regions, tmp_path):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(b"this is not a spreadsheet")
    _, data = command(path, "--json")
    assert data["errors"][0]["row"] is None and data["errors"][0]["code"] == "unsupported_type"


def test_unusable_arguments_are_command_errors(regions, tmp_path):
    with pytest.raises(CommandError):
        command(tmp_path / "missing.xlsx")
    path = write_xlsx(tmp_path / "ok.xlsx", household("H1", 1))
    with pytest.raises(CommandError):
        command(path, "--user", "nobody")
    with pytest.raises(CommandError):
        command(path, "--report", tmp_path / "r.pdf")


def test_user_option_applies_the_users_scope(regions, personas, tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", household("HB", 1, 村代码=VILLAGE_B1))
    _, data = command(path, "--user", "carol", "--json")
    assert {e["code"] for e in data["errors"]} == {"village_out_of_scope"}
    _, data = command(path, "--user", "dave", "--json")
    assert data["errors"] == [] and data["created"] == 1


def test_messages_are_chinese_by_default(regions, tmp_path):
    with translation.override("zh-hans"):
        text, _ = command(bad_file(tmp_path))
    assert "校验码" in text and "Check digit" not in text
