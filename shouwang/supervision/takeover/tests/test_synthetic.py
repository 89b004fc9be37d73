"""The synthetic national export: deterministic, in the national layout, valid where it should be, realistic."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from conftest import COUNTY
from shouwang.cases.casefiles.models import Category, EliminationMode
from shouwang.cases.catalogue.models import DISASTER_CODE
from shouwang.core.idnumbers import is_valid_id_number
from shouwang.core.imports import locate, open_source
from shouwang.registry.households.models import Health, HouseholdType, IdType, Labour, Relation
from shouwang.supervision.takeover.layout import (
    BY_KEY,
    COLUMN_TABLES,
    EXPORT_ORDER,
    MEASURE_COLUMNS,
    MULTI_SEPARATORS,
    RISK_KEYS,
    TABLES,
    TITLE_ROWS,
    WORK_ORDER,
    YES,
    canonical_label,
    people_spec,
    work_spec,
)
from shouwang.supervision.takeover.synthetic import (
    DISABILITY_NUMBER,
    MESSY_KINDS,
    NUMERIC_ID,
    OPEN,
    PEOPLE_SHEET,
    PLACEHOLDER_ID,
    PROBLEM_CODES,
    UNKNOWN_LABEL,
    WORK_SHEET,
    write_national_export,
)

YEAR = 2025
EX_POOR_LABEL = canonical_label("household_type", HouseholdType.EX_POOR)
_SPLIT = re.compile(f"[{re.escape(MULTI_SEPARATORS)}]")
_cache: dict[tuple, tuple[bytes, object]] = {}


def _export(households=200, seed=5, **options) -> tuple[bytes, object]:
    """(workbook bytes, summary), written once per set of arguments for the whole module."""
    key = (households, seed, tuple(sorted(options.items())))
    if key not in _cache:
        buffer = io.BytesIO()
        summary = write_national_export(buffer, county=COUNTY, households=households, seed=seed, year=YEAR,
                                        **options)
        _cache[key] = (buffer.getvalue(), summary)
    return _cache[key]


class Sheet:
    """A written sheet read back with the import engine: rows as {column key: text} and the raw grid."""

    def __init__(self, data: bytes, name: str, spec):
        self.source = open_source(data, "national.xlsx")
        self.grid = self.source.grid(name)
        self.table = locate(self.source, name, spec)
        self.columns = self.table.headers  # key → header as written
        self.rows = [(r["_row"], {k: r[k] for k in self.columns}) for r in self.table.frame.iter_rows(named=True)]

    def numeric(self, key: str) -> dict[int, bool]:
        """Sheet row → whether the cell of column ``key`` was a number in the file."""
        header = self.grid.row(TITLE_ROWS)
        col = next(i for i, cell in enumerate(header) if cell == self.columns[key])
        flags = self.source.numeric_cells(self.table.sheet, col).to_list()
        return {i + 1: flag for i, flag in enumerate(flags)}


def _people(data: bytes) -> Sheet:
    return Sheet(data, PEOPLE_SHEET, people_spec())


def _households(sheet: Sheet) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for _row, values in sheet.rows:
        grouped[values["number"]].append(values)
    return grouped


def _labels(table: str) -> set[str]:
    labels, synonyms = TABLES[table]
    return {*labels, *synonyms}


def _amount(text) -> Decimal:
    return Decimal(unicodedata.normalize("NFKC", text or "0"))


def _month(text: str) -> int:
    """YYYYMM or YYYY年MM月 as a month index."""
    digits = re.sub(r"\D", "", text)
    return int(digits[:4]) * 12 + int(digits[4:6]) - 1


def test_same_seed_gives_the_same_bytes_and_another_seed_another_file(regions):
    first, _summary = _export(seed=5)
    again = io.BytesIO()
    write_national_export(again, county=COUNTY, households=200, seed=5, year=YEAR)
    assert again.getvalue() == first
    other = io.BytesIO()
    write_national_export(other, county=COUNTY, households=200, seed=6, year=YEAR)
    assert other.getvalue() != first


def test_header_is_on_the_third_row_below_two_title_rows(regions):
    data, summary = _export()
    people = _people(data)
    assert people.table.header_row == TITLE_ROWS + 1 == 3
    assert people.grid.row(0)[0] and people.grid.row(1)[0]
    assert list(people.grid.row(TITLE_ROWS)) == [summary.headers[key] for key in EXPORT_ORDER]
    assert set(people.columns) == set(EXPORT_ORDER)  # every header, synonym or not, is recognised
    work = Sheet(data, WORK_SHEET, work_spec())
    assert work.table.header_row == 3
    assert set(work.columns) == set(WORK_ORDER)
    assert len(work.rows) == summary.work_spells > 0
    assert len(people.rows) == summary.people


def test_every_id_number_is_valid_and_fits_birth_and_sex_except_the_injected(regions):
    data, summary = _export(problems=True)
    people = _people(data)
    injected = {p.row for p in summary.problems if p.code != UNKNOWN_LABEL}
    numbers, certificates = set(), 0
    for row, values in people.rows:
        number = values["id_number"]
        if row in injected:
            continue
        if values["id_type"] == canonical_label("id_type", IdType.DISABILITY):
            # a disability certificate: the ID number, the category and the grade
            assert len(number) == 20 and number[18] in "1234567" and number[19] in "1234", (row, number)
            assert canonical_label("health", Health.DISABLED) in _SPLIT.split(values["health"])
            number, certificates = number[:18], certificates + 1
        else:
            assert values["id_type"] == canonical_label("id_type", IdType.RESIDENT)
        assert is_valid_id_number(number), (row, number)
        assert values["birth"] == number[6:14]
        sex = TABLES["sex"][0][values["sex"]]
        assert sex == ("M" if int(number[16]) % 2 else "F")
        numbers.add(number)
    assert len(numbers) == summary.people - len(injected)  # unique
    assert certificates
    # the work sheet names people of the person sheet, by household
    work = Sheet(data, WORK_SHEET, work_spec())
    households = _households(people)
    for _row, spell in work.rows:  # by the same number, certificates too
        assert spell["id_number"] in {m["id_number"] for m in households[spell["number"]]}
        assert re.fullmatch(r"\d{4}年\d{2}月", spell["start"])


def test_every_coded_cell_is_a_label_of_its_code_table(regions):
    data, summary = _export(problems=True)
    people = _people(data)
    unknown = next(p.row for p in summary.problems if p.code == UNKNOWN_LABEL)
    multi = {"health"}
    seen = Counter()
    for row, values in people.rows:
        for key, table in COLUMN_TABLES.items():
            text = values.get(key)
            if not text or (row == unknown and key == "category"):
                continue
            parts = _SPLIT.split(text) if key in multi else [text]
            for part in parts:
                assert part.strip() in _labels(table), (row, key, text)
            seen[key] += 1
    assert all(seen[key] for key in ("category", "risk1", "elimination_mode", "relation", "health"))
    # the messy cells are there, and still readable
    assert all(summary.messy[kind] > 0 for kind in MESSY_KINDS), summary.messy
    assert any(text != text.strip() for row in people.grid.iter_rows() for text in row if text)
    assert any("、" in (v[key] or "") for _r, v in people.rows for key, *_ in MEASURE_COLUMNS)
    assert any((v["phone"] or "").endswith(".0") for _r, v in people.rows)
    assert any("年" in (v["identified_month"] or "") for _r, v in people.rows)
    assert summary.headers["no_labour_safety_net"] == BY_KEY["no_labour_safety_net"].synonyms[0]


def test_the_mix_of_households_and_cases_is_realistic(regions):
    data, summary = _export(households=200)
    households = _households(_people(data))
    assert len(households) == summary.households == 200
    ex_poor = sum(rows[0]["household_type"].strip() == EX_POOR_LABEL for rows in households.values())
    assert ex_poor == summary.ex_poor and 0.18 <= ex_poor / 200 <= 0.32
    monitored = {n: rows[0] for n, rows in households.items() if rows[0]["category"]}
    assert len(monitored) == summary.monitored_total and 0.04 <= len(monitored) / 200 <= 0.1
    categories = Counter(TABLES["category"][0][v["category"].strip()] for v in monitored.values())
    assert set(categories) == set(Category.values) and categories == Counter(summary.monitored)
    eliminated = [v for v in monitored.values() if v["eliminated"] == YES]
    assert 0.3 <= len(eliminated) / len(monitored) <= 0.85  # about 60 % in large files
    modes = Counter(TABLES["elimination_mode"][0][v["elimination_mode"].strip()] for v in eliminated)
    assert set(modes) == set(EliminationMode.values) and modes == Counter(summary.eliminated)
    assert modes[EliminationMode.ASSISTANCE] > modes[EliminationMode.NATURAL]
    # every category and every state, also in small files
    _data, small = _export(households=15)
    assert {c for c, _s in small.cases.values()} == set(Category.values)
    assert {s for _c, s in small.cases.values()} == {OPEN, *EliminationMode.values}


def test_households_and_their_monitoring_records_are_consistent(regions):
    data, summary = _export(households=200, seed=6)
    households = _households(_people(data))
    household_keys = [c for c in EXPORT_ORDER if BY_KEY[c].kind in ("household", "extra_household")]
    safety_net = 0
    for number, rows in households.items():
        first = rows[0]
        assert 18 <= len(number) <= 20 and number.isdigit()
        for other in rows[1:]:  # household-level cells are the same on every row
            assert all(other[k] == first[k] for k in household_keys), number
        assert sum(v["relation"].strip() == canonical_label("relation", Relation.HEAD) for v in rows) == 1
        incomes = [_amount(first[k]) for k in ("wage_income", "business_income", "property_income",
                                                "transfer_income", "business_costs")]
        per_capita = ((sum(incomes[:4]) - incomes[4]) / len(rows)).quantize(Decimal("0.01"))
        assert _amount(first["per_capita"]) == per_capita
        if not first["category"]:
            assert not any(first[k] for k in (*RISK_KEYS, "identified_month", "contact_name"))
            continue
        risks = [first[k] for k in RISK_KEYS if first[k]]
        assert 1 <= len(risks) <= 3 and len(set(risks)) == len(risks)
        assert bool(first["disaster_kind"]) == (canonical_label("risk", DISASTER_CODE) in risks)
        measures = [first[key] for key, *_ in MEASURE_COLUMNS if first[key]]
        assert 1 <= len(measures) <= 4
        assert first["contact_name"] and re.fullmatch(r"1\d{10}(\.0)?", first["contact_phone"])
        identified = _month(first["identified_month"])
        assert 2021 * 12 <= identified <= YEAR * 12 + 11
        if first["eliminated"] == YES:
            assert first["elimination_mode"] and _month(first["eliminated_month"]) > identified
            assert re.fullmatch(r"\d{6}", first["eliminated_month"])
        else:
            assert not first["elimination_mode"] and not first["eliminated_month"]
        if first["no_labour_safety_net"] == YES:
            safety_net += 1
            assert all(TABLES["labour"][0][v["labour"].strip()] in (Labour.LOST, Labour.NONE) for v in rows)
        category = TABLES["category"][0].get(first["category"].strip())
        if category == Category.UNSTABLE_EX_POOR:
            assert first["household_type"].strip() == EX_POOR_LABEL
        assert summary.cases[number][0] == category
    assert safety_net


def test_a_clean_export_has_canonical_headers_and_no_messy_cells(regions):
    data, summary = _export(messy=False)
    people = _people(data)
    assert list(people.grid.row(TITLE_ROWS)) == [BY_KEY[key].header for key in EXPORT_ORDER]
    assert summary.messy == {} and summary.problems == []
    for _row, values in people.rows:
        assert all(text == text.strip() for text in values.values() if text)
        assert not any("、" in (values[key] or "") for key, *_ in MEASURE_COLUMNS)
        assert not (values["phone"] or "").endswith(".0")
        assert not values["identified_month"] or values["identified_month"].isdigit()
        assert is_valid_id_number(values["id_number"][:18])
        assert all(unicodedata.normalize("NFKC", values[k] or "") == (values[k] or "") for k in ("wage_income",))


def test_problems_are_injected_once_each_and_listed_by_the_row_the_user_sees(regions):
    data, summary = _export(problems=True)
    people = _people(data)
    by_row = dict(people.rows)
    assert sorted(p.code for p in summary.problems) == sorted(PROBLEM_CODES)
    assert len({p.row for p in summary.problems}) == 4
    header_cells = list(people.grid.row(TITLE_ROWS))
    numeric = people.numeric("id_number")
    for problem in summary.problems:
        values = by_row[problem.row]
        assert problem.header in header_cells
        number = values["id_number"]
        if problem.code == NUMERIC_ID:
            assert numeric[problem.row]
            assert problem.header == summary.headers["id_number"]
        elif problem.code == PLACEHOLDER_ID:
            assert number.startswith("999999") and len(number) == 18
        elif problem.code == DISABILITY_NUMBER:
            assert len(number) == 20 and is_valid_id_number(number[:18])
            assert values["id_type"] == canonical_label("id_type", IdType.RESIDENT)
        else:
            assert problem.header == summary.headers["category"]
            assert values["category"] not in _labels("category")
            assert sum(1 for _r, v in people.rows if v["number"] == values["number"]) == 1
    assert sum(numeric.values()) == 1  # no other ID cell is a number
    # without problems=True nothing is injected, and every other cell is the same: the corrected file
    clean_data, clean = _export()
    assert clean.problems == []
    corrected = _people(clean_data)
    assert all(is_valid_id_number(v["id_number"][:18]) for _r, v in corrected.rows)
    differing = {(row, key) for (row, values), (_r, fixed) in zip(people.rows, corrected.rows, strict=True)
                 for key in values if values[key] != fixed[key]}
    assert differing == {(p.row, "category" if p.code == UNKNOWN_LABEL else "id_number") for p in summary.problems}
    assert (summary.cases, summary.people) == (clean.cases, clean.people)


@pytest.mark.parametrize("households", [30])
def test_make_national_export_command_writes_the_file(regions, tmp_path, households):
    out = tmp_path / "national.xlsx"
    stdout = io.StringIO()
    call_command("make_national_export", str(out), "--county", COUNTY, "--households", str(households),
                 "--seed", "3", "--year", str(YEAR), "--problems", stdout=stdout)
    text = stdout.getvalue()
    assert out.exists() and f"{households} households" in text
    assert text.count("Injected problem") == len(PROBLEM_CODES)
    people = _people(out.read_bytes())
    assert len({v["number"] for _r, v in people.rows}) == households
    clean = tmp_path / "clean.xlsx"
    call_command("make_national_export", str(clean), "--county", COUNTY, "--households", "30", "--seed", "3",
                 "--year", str(YEAR), "--clean", "--no-work-sheet", stdout=io.StringIO())
    assert open_source(clean.read_bytes(), "clean.xlsx").sheet_names == [PEOPLE_SHEET]
