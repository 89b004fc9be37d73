"""Checking an import: every row parsed and cross-checked (villages in the importer's area, one
head per household, one household per person, one row per household and year).

Part of :class:`.importer.RegistryImport`: the methods that read the tables into
:class:`.rows.HouseholdPlan` objects and report each problem on its sheet, row and column.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from operator import itemgetter
from types import MappingProxyType
from typing import Any

import polars as pl
from django.utils.translation import gettext_noop

from shouwang.core import crypto
from shouwang.core.idnumbers import ERROR_MESSAGES as ID_ERRORS
from shouwang.core.idnumbers import WARNING_MESSAGES as ID_WARNINGS
from shouwang.core.idnumbers import IdNumberError, parse_id_number
from shouwang.core.imports import (
    ERROR,
    REQUIRED,
    WARNING,
    Choices,
    Problem,
    Table,
    fold,
    parse_amount,
    parse_text,
    parse_year,
)
from shouwang.core.imports import (
    problem as engine_problem,
)
from shouwang.regions.models import Region

from ..households.models import Household, Member, Relation
from .columns import INCOME, MEMBERS, SEXES
from .parsing import (
    MEMBER_PARSERS,
    YEAR_PARSERS,
    Parser,
    _id_problem,
    _problem,
    parse_household_type,
    parse_phone,
    parse_relation,
)
from .rows import YEAR_AMOUNTS, HouseholdPlan, MemberRow, YearRow, _chunks, select_in

MAX_COMBOS = 100_000  # distinct combinations of a member row's optional cells remembered
MAX_AMOUNTS = 50_000  # distinct cells of each amount column remembered

_PLAIN_AMOUNT = re.compile(r"\d{1,10}(?:\.\d{1,2})?", re.ASCII)
_GROUPED_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3}){1,2}(?:\.\d{1,2})?元?|\d{1,9}(?:\.\d{1,2})?元", re.ASCII)
_CENT = Decimal("0.01")


def _amount(text: Any) -> tuple[Any, Problem | None]:
    """``parse_amount``, with fast paths for the usual cells: plain digits with at most two
    decimals, and the same grouped by thousands or followed by 元 (``19,835元``)."""
    if text.__class__ is str:
        if _PLAIN_AMOUNT.fullmatch(text):
            return Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP), None
        if _GROUPED_AMOUNT.fullmatch(text):
            return Decimal(text.replace(",", "").removesuffix("元")).quantize(_CENT, rounding=ROUND_HALF_UP), None
    return parse_amount(text)


ROW_BATCH = 20_000  # rows turned into Python values at a time


def _rows(table: Table) -> Iterator[tuple[Any, ...]]:
    """The rows as tuples (in the order of ``table.frame.columns``, see :func:`_cell`), a slice at a
    time: a county's sheet as Python lists at once would double the memory of the import, and a
    dict per row would cost more than the row's checks."""
    frame = table.frame
    names = frame.columns
    for start in range(0, frame.height, ROW_BATCH):
        part = frame.slice(start, ROW_BATCH)
        columns = [part.get_column(name).to_list() for name in names]
        yield from zip(*columns, strict=True)


def _cell(table: Table, name: str) -> Callable[[tuple[Any, ...]], Any]:
    """The getter of one column's cell from a row of :func:`_rows` (None for a column the sheet lacks)."""
    names = table.frame.columns
    return itemgetter(names.index(name)) if name in names else (lambda row: None)


def _cells(table: Table, names: list[str]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The getter of several columns' cells, as a tuple, from a row of :func:`_rows` (columns the sheet has)."""
    indexes = [table.frame.columns.index(name) for name in names]
    if len(indexes) == 1:
        index = indexes[0]
        return lambda row: (row[index],)
    return itemgetter(*indexes) if indexes else (lambda row: ())


_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # as shouwang.core.idnumbers.check_digit


def _clean_ids(table: Table, counties: set[str], today: date) -> pl.Expr:
    """``_id_birth_year``: the birth year of each ID number that ``parse_id_number`` would accept
    as it is, without a warning (18 ASCII digits or a final X, a text cell, the right check
    character, a birth date from 1900 to today, a county of the region list); null for every other
    cell, which the parser then checks one by one, with its messages."""
    cell = pl.col("id_number")
    weighted = pl.sum_horizontal(
        [cell.str.slice(i, 1).cast(pl.Int64, strict=False) * weight for i, weight in enumerate(_ID_WEIGHTS)]
    )
    check = pl.lit("10X98765432").str.slice(weighted % 11, 1)
    born = cell.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    numeric = pl.col("_num_id_number") if "_num_id_number" in table.frame.columns else pl.lit(False)
    clean = (
        cell.str.contains(r"^[0-9]{17}[0-9X]$")
        & ~numeric.fill_null(False)
        & (cell.str.slice(17, 1) == check)
        & born.is_between(date(1900, 1, 1), today)
        & cell.str.slice(0, 6).is_in(sorted(counties))
    )
    return pl.when(clean.fill_null(False)).then(born.dt.year()).otherwise(None).alias("_id_birth_year")


def household_key(table: Table) -> pl.Expr:
    """The household number of each row as :meth:`.checking.RegistryChecks._number` reads it."""
    number = pl.col("number").str.replace_all(r"\s+", " ")
    if "_num_number" in table.frame.columns:
        number = pl.when(pl.col("_num_number").fill_null(False)).then(number.str.strip_suffix(".0")).otherwise(number)
    return number


class RegistryChecks:
    """The checking part of :class:`.importer.RegistryImport` (which sets up the state it uses)."""

    # reference data

    def _load_reference(self) -> None:
        villages = Region.objects.filter(level=Region.Level.VILLAGE).values_list("code", "name")
        self.villages: dict[str, str] = dict(villages)
        self.village_names: dict[str, list[str]] = defaultdict(list)
        self.township_names = dict(
            Region.objects.filter(level=Region.Level.TOWNSHIP).values_list("code", "name")
        )
        for code, name in self.villages.items():
            if self.allowed(code):
                for variant in self._name_variants(name):
                    self.village_names[variant].append(code)
        self.counties = set(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True))

    @staticmethod
    def _name_variants(name: str) -> set[str]:
        key = Choices.key(name)
        variants = {key}
        for suffix in ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村"):
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                variants.add(key[: -len(suffix)])
        return variants

    def _same_village(self, text: str, code: str) -> bool:
        given, known = self._name_variants(text), self._name_variants(self.villages[code])
        return bool(given & known) or any(g.endswith(k) for g in given for k in known)

    def _village_by_name(self, text: str) -> tuple[str, Problem | None]:
        key = Choices.key(text)
        candidates = set(self.village_names.get(key, ()))
        if not candidates:  # "达岚镇龙溪口村": a township name in front
            for code, township in self.township_names.items():
                tkey = Choices.key(township)
                if key.startswith(tkey) and len(key) > len(tkey):
                    candidates = {
                        c for c in self.village_names.get(key[len(tkey) :], ()) if c.startswith(code)
                    }
                    if candidates:
                        break
        if not candidates:
            for variant in self._name_variants(text):
                candidates |= set(self.village_names.get(variant, ()))
        if len(candidates) == 1:
            return candidates.pop(), None
        if not candidates:
            return "", _problem("unknown_village_name", value=text)
        return "", _problem("ambiguous_village_name", value=text, count=len(candidates))

    # helpers

    def _memo_parse(self, key: str, raw: Any, parser: Parser) -> tuple[Any, Problem | None]:
        memo = self._memo[key]
        try:
            return memo[raw]
        except KeyError:
            value, prob = parser(raw)
            if isinstance(value, str) and type(value) is not str:
                value = str.__str__(value)  # a choice as its plain value: cheaper to hash, store and log
            memo[raw] = result = (value, prob)
            return result

    def _error(self, table: Table, row: int, key: str, value: Any, prob: Problem) -> None:
        table.report(self.report, row, key, value, prob, ERROR)

    def _warn(self, table: Table, row: int, key: str, value: Any, prob: Problem) -> None:
        table.report(self.report, row, key, value, prob, WARNING)

    def _accept(
        self, table: Table, row: int, key: str, value: Any, prob: Problem | None, entry: MemberRow | YearRow
    ) -> bool:
        """Whether a cell parsed; if not, its problem is reported and its row rejected."""
        if prob is None:
            return True
        self._error(table, row, key, value, prob)
        entry.ok = False
        return False

    def _number(self, table: Table, cells: dict[str, Any]) -> str | None:
        """The household number; a long number that was a number cell has lost digits (like IDs)."""
        return self._number_of(table, cells["_row"], cells["number"], cells.get("_num_number"))

    def _number_of(self, table: Table, row: int, raw: Any, numeric: bool | None) -> str | None:
        """:meth:`_number` of the cell ``raw`` (``numeric``: it was a number cell) of ``row``."""
        number, prob = parse_text(raw, blank=REQUIRED, max_length=40)
        if prob is None and numeric and len(number.removesuffix(".0")) > 15:
            prob = _problem("numeric_number")
        if prob is not None:
            self._error(table, row, "number", raw, prob)
            return None
        return number.removesuffix(".0") if numeric else number

    def _household(self, number: str) -> HouseholdPlan:
        plan = self.households.get(number)
        if plan is None:
            plan = self.households[number] = HouseholdPlan(number)
        return plan

    # across the file, before the rows are checked a chunk of households at a time

    file_duplicates: Mapping[int, tuple[str, int]] = MappingProxyType({})  # member row → (other household, its row)
    household_order: dict[str | None, int] = {}

    def _prepare_members(self, table: Table) -> None:
        """Column-wise, for the whole member sheet: the clean ID numbers (:func:`_clean_ids`), the
        blind index of every ID that parses (``_id_index``), and the rows whose person also appears
        in another household of the file (:attr:`file_duplicates`), so that one household per
        person holds across chunks. Problems are not reported here: the chunk's checks do that."""
        frame = table.frame.with_columns(_clean_ids(table, self.counties, self.today))
        clean = frame.get_column("_id_birth_year").is_not_null()
        raws = frame.get_column("id_number")
        blind = crypto.blind_indexer()
        index: list[str | None] = [None] * frame.height
        for i, raw in zip(clean.arg_true().to_list(), raws.filter(clean).to_list(), strict=True):
            index[i] = blind(raw)
        numeric = frame.get_column("_num_id_number") if "_num_id_number" in frame.columns else None
        known = self.counties.__contains__
        for i in (~clean & raws.is_not_null()).arg_true().to_list():
            if numeric is not None and numeric[i]:
                continue
            with contextlib.suppress(IdNumberError):
                index[i] = blind(parse_id_number(raws[i], known_regions=known, today=self.today).number)
        frame = frame.with_columns(pl.Series("_id_index", index, dtype=pl.String))
        table.frame = frame
        keys = frame.select(
            household_key(table).alias("_key"), pl.col("_row"), pl.col("_id_index")
        ).filter(pl.col("_id_index").is_not_null() & pl.col("_key").is_not_null())
        shared = keys.group_by("_id_index").agg(pl.col("_key").n_unique().alias("n")).filter(pl.col("n") > 1)
        duplicates: dict[int, tuple[str, int]] = {}
        if shared.height:
            rows = keys.join(shared.select("_id_index"), on="_id_index").to_dicts()
            groups: dict[str, list[dict]] = defaultdict(list)
            order = self.household_order
            for row in rows:
                groups[row["_id_index"]].append(row)
            for group in groups.values():
                group.sort(key=lambda r: (order.get(r["_key"], 0), r["_row"]))
                for row in group:
                    other = next(r for r in group if r["_key"] != row["_key"])
                    duplicates[row["_row"]] = (other["_key"], other["_row"])
        self.file_duplicates = duplicates

    # 家庭成员

    def _check_members(self, table: Table) -> None:
        has = table.has
        known_region = self.counties.__contains__
        optional = [(key, parser) for key, parser in MEMBER_PARSERS if has(key)]
        combos: dict[tuple, dict[str, Any]] = {}  # the optional cells of a row, parsed without a problem
        if "_id_birth_year" not in table.frame.columns:
            table.frame = table.frame.with_columns(_clean_ids(table, self.counties, self.today))
        cell = partial(_cell, table)
        row_of, number_of, numeric_number = cell("_row"), cell("number"), cell("_num_number")
        household_type_of, name_of, relation_of = cell("household_type"), cell("name"), cell("relation")
        sex_of, phone_of = cell("sex"), cell("phone")
        village_code_of, village_name_of = cell("village_code"), cell("village_name")
        ids = (cell("id_number"), cell("_num_id_number"), cell("_id_birth_year"), cell("_id_index"))
        combo_of = _cells(table, [key for key, _parser in optional])  # the optional cells as a tuple
        total = table.frame.height
        for done, cells in enumerate(_rows(table), start=1):
            if done % 10000 == 0:
                self.progress(done, total, gettext_noop("Checking members"))
            row = row_of(cells)
            number = self._number_of(table, row, number_of(cells), numeric_number(cells))
            member = MemberRow(row=row, number=number or "", ok=number is not None)
            self._member_village(table, village_code_of(cells), village_name_of(cells), member)
            raw = household_type_of(cells)
            value, prob = self._memo_parse("household_type", raw, parse_household_type)
            self._accept(table, row, "household_type", raw, prob, member)
            member.household_type = value or ""
            raw = name_of(cells)
            name, prob = parse_text(raw, blank=REQUIRED, max_length=60)
            self._accept(table, row, "name", raw, prob, member)
            member.values["name"] = name or ""
            self._member_id(table, *(get(cells) for get in ids), member, known_region)
            raw = relation_of(cells)
            value, prob = self._memo_parse("relation", raw, parse_relation)
            self._accept(table, row, "relation", raw, prob, member)
            member.values["relation"] = value
            if has("sex"):
                raw = sex_of(cells)
                sex, prob = self._memo_parse("sex", raw, lambda v: SEXES.parse(v, blank=""))
                if prob is not None and not member.id_number:
                    self._error(table, row, "sex", raw, prob)
                    member.ok = False
                elif member.id_number:
                    if sex and sex != member.values["sex"]:
                        self._warn(table, row, "sex", raw, _problem("sex_mismatch", value=raw))
                else:
                    member.values["sex"] = sex or ""
            combo = combo_of(cells)
            parsed = combos.get(combo)
            if parsed is not None:  # these cells, all valid, were seen together before
                member.values.update(parsed)
            else:
                parsed = {}
                for (key, parser), raw in zip(optional, combo, strict=True):
                    value, prob = self._memo_parse(key, raw, parser)
                    if self._accept(table, row, key, raw, prob, member):
                        parsed[key] = value
                member.values.update(parsed)
                if len(parsed) == len(optional) and len(combos) < MAX_COMBOS:
                    combos[combo] = parsed
            if has("phone"):
                raw = phone_of(cells)
                phone, prob = parse_phone(raw)
                self._accept(table, row, "phone", raw, prob, member)
                member.phone = phone
            member.key = member.id_index or f"name:{member.values['name']}"
            if member.number:
                self._household(member.number).members.append(member)

    def _member_village(self, table: Table, raw_code: Any, raw_name: Any, member: MemberRow) -> None:
        """The member's village from its code or name cell; the outcome of each (code, name) pair
        is worked out once (a county's rows hold a few hundred) and its problems reported per row."""
        name_text = (raw_name or "").strip()
        memo = self._memo["_village"]
        outcome = memo.get((raw_code, name_text))
        if outcome is None:
            outcome = self._village_outcome(table, raw_code, name_text)
            if len(memo) < MAX_COMBOS:
                memo[(raw_code, name_text)] = outcome
        code, problems = outcome
        for level, key, value, prob in problems:
            table.report(self.report, member.row, key, value, prob, level)
            if level == ERROR:
                member.ok = False
        if code:
            member.village = code

    def _village_outcome(
        self, table: Table, raw_code: Any, name_text: str
    ) -> tuple[str, tuple[tuple[str, str, Any, Problem], ...]]:
        """(village code or "", the problems to report: (level, column key, value, problem))."""
        code_text = fold(raw_code)
        if code_text:
            code = code_text.removesuffix(".0")
            if not (len(code) == 12 and code.isdigit()):
                return "", ((ERROR, "village_code", raw_code, _problem("bad_village_code", value=code_text)),)
            if code not in self.villages:
                return "", ((ERROR, "village_code", code, _problem("unknown_village_code", value=code)),)
            if not self.allowed(code):
                return "", ((ERROR, "village_code", code, _problem("village_out_of_scope", value=code)),)
            if name_text and not self._same_village(name_text, code):
                mismatch = _problem("village_name_mismatch", value=name_text, code=code, expected=self.villages[code])
                return code, ((WARNING, "village_name", name_text, mismatch),)
            return code, ()
        if name_text:
            code, prob = self._village_by_name(name_text)
            return (code, ()) if prob is None else ("", ((ERROR, "village_name", name_text, prob),))
        key = "village_code" if table.has("village_code") else "village_name"
        return "", ((ERROR, key, "", engine_problem("required")),)

    def _member_id(
        self, table: Table, raw: Any, numeric: bool | None, birth_year: int | None, index: str | None,
        member: MemberRow, known_region,
    ) -> None:
        """The ID cell ``raw`` (``numeric``: it was a number cell; ``birth_year`` and ``index`` as
        :meth:`_prepare_members` worked them out) on ``member``, or its problem."""
        row = member.row
        if raw is None:
            self._warn(table, row, "id_number", "", _problem("no_id"))
            return
        if numeric:
            self._error(table, row, "id_number", raw, Problem("numeric_cell", ID_ERRORS["numeric_cell"]))
            member.ok = False
            return
        if birth_year is not None:  # a clean number, checked column-wise (see _clean_ids)
            member.id_number = raw
            member.id_index = index or crypto.blind_index(raw)
            member.values["sex"] = "M" if int(raw[16]) % 2 else "F"
            member.values["birth_year"] = birth_year
            return
        self._take_id(table, row, raw, raw, member, known_region)

    def _take_id(self, table: Table, row: int, raw: Any, text: str, member: MemberRow, known_region) -> bool:
        """Parse ``text`` (the cell ``raw``, tidied) as the member's ID number: its problem or warnings
        reported on the cell, else the number, its blind index, sex and birth year on ``member``."""
        try:
            parsed = parse_id_number(text, known_regions=known_region, today=self.today)
        except IdNumberError as exc:
            self._error(table, row, "id_number", raw, _id_problem(exc))
            member.ok = False
            return False
        for code in parsed.warnings:
            self._warn(table, row, "id_number", raw, Problem(code, ID_WARNINGS[code]))
        member.id_number = parsed.number
        member.id_index = crypto.blind_index(parsed.number)
        member.values["sex"] = parsed.sex
        member.values["birth_year"] = parsed.birth_date.year
        return True

    # 收支情况

    def _check_years(self, table: Table) -> None:
        has = table.has
        amounts = [key for key in YEAR_AMOUNTS if has(key)]
        amount_memo: dict[str, dict[Any, tuple[Any, Problem | None]]] = {key: {} for key in amounts}
        parsers = [(key, parser) for key, parser in YEAR_PARSERS if has(key)]
        cell = partial(_cell, table)
        row_of, number_of, numeric_number, year_of = cell("_row"), cell("number"), cell("_num_number"), cell("year")
        amount_cells = [(key, cell(key), amount_memo[key]) for key in amounts]
        parser_cells = [(key, cell(key), parser) for key, parser in parsers]
        total = table.frame.height
        for done, cells in enumerate(_rows(table), start=1):
            if done % 10000 == 0:
                self.progress(done, total, gettext_noop("Checking income rows"))
            row = row_of(cells)
            number = self._number_of(table, row, number_of(cells), numeric_number(cells))
            raw = year_of(cells)
            year, year_prob = self._memo_parse("year", raw, parse_year)
            entry = YearRow(row=row, number=number or "", year=year, ok=number is not None)
            self._accept(table, row, "year", raw, year_prob, entry)
            for key, get, memo in amount_cells:  # remembered up to a bound: amounts repeat, but not all of them
                raw = get(cells)
                if raw in memo:
                    value, prob = memo[raw]
                else:
                    value, prob = _amount(raw)
                    if len(memo) < MAX_AMOUNTS:
                        memo[raw] = (value, prob)
                if self._accept(table, row, key, raw, prob, entry):
                    entry.values[key] = value
            for key, get, parser in parser_cells:
                raw = get(cells)
                value, prob = self._memo_parse(key, raw, parser)
                if self._accept(table, row, key, raw, prob, entry):
                    entry.values[key] = value
            if entry.number:
                self._household(entry.number).years.append(entry)

    # across rows

    def _check_households(self) -> None:
        members_table = self.tables.get(MEMBERS.name)
        years_table = self.tables.get(INCOME.name)
        self.load_existing(list(self.households.values()))
        existing_members = self.existing_members
        by_id: dict[str, list[MemberRow]] = defaultdict(list)

        for number, plan in self.households.items():
            if plan.existing is not None and not self.allowed(plan.existing["region_code"]):
                first = plan.members[0] if plan.members else None
                if first is not None:
                    self._error(
                        members_table,
                        first.row,
                        "number",
                        number,
                        _problem("household_out_of_scope", number=number),
                    )
                    first.ok = False
                else:
                    entry = plan.years[0]
                    self._error(
                        years_table,
                        entry.row,
                        "number",
                        number,
                        _problem("household_out_of_scope", number=number),
                    )
                    entry.ok = False
                plan.ok = False
                continue  # nothing more to say about a household the user may not touch
            if plan.members:
                self._check_household_members(
                    members_table,
                    plan,
                    existing_members.get(plan.existing["id"], []) if plan.existing else [],
                    trusted=plan.trusted,
                )
                for member in plan.members:
                    if member.id_index:
                        by_id[member.id_index].append(member)
            elif plan.existing is None:
                for entry in plan.years:
                    self._error(
                        years_table, entry.row, "number", number, _problem("unknown_household", number=number)
                    )
                    entry.ok = False
            self._check_household_years(years_table, plan)

        # one person, one household: within the file (worked out for the whole file beforehand, in
        # _prepare_members, since the rows are checked a chunk of households at a time)...
        for plan in self.households.values():
            for member in plan.members:
                found = self.file_duplicates.get(member.row) if member.id_index else None
                if found is not None:
                    self._error(
                        members_table, member.row, "id_number", member.id_number,
                        _problem("duplicate_id_file", other=found[0], sheet=members_table.sheet, row=found[1]),
                    )
                    member.ok = False
        # ...and against the registry (by household id: the numbers only of the households found)
        own = {number: plan.existing["id"] for number, plan in self.households.items() if plan.existing}
        found: list[tuple[str, int, str]] = []
        for id_index, household_id, region_code in select_in(
            Member, ("id_index", "household_id", "region_code"), "id_index", list(by_id)
        ):
            if any(own.get(member.number) != household_id for member in by_id[id_index]):
                found.append((id_index, household_id, region_code))
        numbers: dict[int, str] = {}
        for chunk in _chunks(sorted({h for _i, h, _r in found})):
            numbers.update(Household.objects.filter(id__in=chunk).values_list("id", "number"))
        for id_index, household_id, region_code in found:
            number = numbers[household_id]
            for member in by_id[id_index]:
                if member.number != number:
                    prob = (
                        _problem("duplicate_id_registry", other=number)
                        if self.allowed(region_code)
                        else _problem("id_not_accepted")
                    )
                    self._error(members_table, member.row, "id_number", member.id_number, prob)
                    member.ok = False

        for plan in self.households.values():
            plan.ok = plan.ok and all(m.ok for m in plan.members) and all(y.ok for y in plan.years)

    def _check_household_members(
        self, table: Table, plan: HouseholdPlan, in_registry: list[dict], *, trusted: bool = False
    ) -> None:
        """``trusted``: the registry holds this plan's digest, so its members not in the file are
        those the same rows were checked against when they were imported (any other write would
        have cleared the digest): the checks against them passed then and pass now, unread."""
        first_village = first_type = None
        for member in plan.members:
            for attr, label_key in (
                ("village", "village_code" if table.has("village_code") else "village_name"),
                ("household_type", "household_type"),
            ):
                value = getattr(member, attr)
                if not value:
                    continue
                first = first_village if attr == "village" else first_type
                if first is None:
                    if attr == "village":
                        first_village = member
                    else:
                        first_type = member
                elif getattr(first, attr) != value:
                    self._error(
                        table,
                        member.row,
                        label_key,
                        value,
                        _problem(
                            "household_conflict",
                            number=plan.number,
                            column=table.header(label_key),
                            row=first.row,
                            first=getattr(first, attr),
                        ),
                    )
                    member.ok = False
        plan.village = first_village.village if first_village else ""
        plan.household_type = first_type.household_type if first_type else ""
        # one member per ID (or per name without ID) in the household
        seen: dict[str, MemberRow] = {}
        for member in plan.members:
            if not member.values.get("name"):
                continue
            key = member.key
            if key in seen:
                code = "duplicate_member" if member.id_index else "duplicate_name"
                self._error(
                    table,
                    member.row,
                    "id_number" if member.id_index else "name",
                    member.id_number or member.values["name"],
                    _problem(code, number=plan.number, row=seen[key].row),
                )
                member.ok = False
            else:
                seen[key] = member
        # exactly one head, counting registry members that the file does not mention
        heads = [m for m in plan.members if m.values.get("relation") == Relation.HEAD]
        file_keys = {m.key for m in plan.members}
        registry_heads = [
            m
            for m in in_registry
            if m["relation"] == Relation.HEAD and (m["id_index"] or f"name:{m['name']}") not in file_keys
        ]
        if not heads and not registry_heads and not trusted:
            first = plan.members[0]
            self._error(
                table,
                first.row,
                "relation",
                first.values.get("relation") or "",
                _problem("no_head", number=plan.number),
            )
            first.ok = False
        for member in heads[1:]:
            self._error(
                table,
                member.row,
                "relation",
                "户主",
                _problem("several_heads", number=plan.number, row=heads[0].row),
            )
            member.ok = False
        if heads and registry_heads and not trusted:
            self._error(
                table,
                heads[0].row,
                "relation",
                "户主",
                _problem("several_heads_registry", number=plan.number),
            )
            heads[0].ok = False

    def _check_household_years(self, table: Table | None, plan: HouseholdPlan) -> None:
        seen: dict[int, YearRow] = {}
        for entry in plan.years:
            if entry.year is None:
                continue
            if entry.year in seen:
                self._error(
                    table,
                    entry.row,
                    "year",
                    entry.year,
                    _problem("duplicate_year", number=plan.number, year=entry.year, row=seen[entry.year].row),
                )
                entry.ok = False
            else:
                seen[entry.year] = entry
