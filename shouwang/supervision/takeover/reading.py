"""Reading a national export: each person row parsed with the national code tables, rows grouped into
households, the household-level columns checked to agree across a household's rows, the monitoring
record and the work spells read; every problem reported on its sheet, row and column.

Part of :class:`.importer.NationalImport` (which sets up the state used here); what is read becomes
the registry importer's :class:`~shouwang.registry.imports.rows.HouseholdPlan` rows (members, the
year) plus :class:`NationalHousehold` (the monitoring record, the raw labels kept for export).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_noop

from shouwang.core import crypto
from shouwang.core.idnumbers import ERROR_MESSAGES as ID_ERRORS
from shouwang.core.idnumbers import IdNumberError, mask_id_number, parse_id_number
from shouwang.core.imports import (
    REQUIRED,
    Choices,
    Problem,
    Table,
    fold,
    parse_amount,
    parse_int,
    parse_text,
)
from shouwang.core.imports import problem as engine_problem
from shouwang.registry.households.models import Health, IdType, Labour, Schooling
from shouwang.registry.imports.columns import _SCHOOLING_PATTERNS
from shouwang.registry.imports.parsing import parse_phone
from shouwang.registry.imports.rows import MemberRow, YearRow

from . import layout
from .layout import (
    EXTRA_HOUSEHOLD_KEYS,
    EXTRA_PERSON_KEYS,
    HOUSEHOLD_KEYS,
    INCOME_KEYS,
    MEASURE_COLUMNS,
    RISK_KEYS,
)

# The amounts of the block after elimination (FI–FU) and the income fields they fill.
AFTER_AMOUNTS = (
    ("post_wage", "wage_income"), ("post_business", "business_income"), ("post_property", "property_income"),
    ("post_transfer", "transfer_income"), ("post_costs", "business_costs"),
    ("post_out_of_pocket", "compliant_out_of_pocket"), ("post_payouts", "insurance_payouts"),
)

MESSAGES: dict[str, str] = {
    "placeholder_id": gettext_noop(
        "A placeholder ID number (999999…) cannot be taken over: enter the person's real ID number."
    ),
    "disability_certificate": gettext_noop(
        "A disability certificate number was given as the ID number; the ID number in it ({masked}) was taken, "
        "disability grade {grade}."
    ),
    "bad_certificate": gettext_noop(
        "Neither an 18-character ID number nor a 20- or 22-character disability certificate number."
    ),
    "bad_month": gettext_noop("“{value}” is not a month (for example 202304, 2023年04月 or 2023-04)."),
    "month_order": gettext_noop("The elimination month {eliminated} is before the identification month {identified}."),
    "no_identified_month": gettext_noop(
        "A monitored household needs its identification month (识别监测时间)."
    ),
    "no_eliminated_month": gettext_noop(
        "The risk is marked eliminated but the elimination month (消除监测时间) is blank; the case is taken over "
        "without it."
    ),
    "not_monitored_details": gettext_noop(
        "The monitoring columns are filled but the monitoring category (监测对象类别) is blank: the household is "
        "taken over as not monitored."
    ),
    "household_values_differ": gettext_noop(
        "Household {number} has a different “{column}” on row {row} (“{first}”); a household's columns must agree "
        "on all its rows."
    ),
    "per_capita_differs": gettext_noop(
        "The per-capita net income given ({given}) differs from the one computed from the incomes and the members "
        "({computed}); the computed one is kept."
    ),
    "unknown_header": gettext_noop(
        "The column “{header}” is not a known national column and was not imported; if it is another name of a "
        "known column, add it to the synonym table."
    ),
    "no_person_sheet": gettext_noop(
        "No sheet of people (监测对象信息 with 户编号, 姓名, 证件号码, 与户主关系) was found."
    ),
    "spell_unknown_person": gettext_noop("This ID number is not among the people of the person sheet."),
    "too_many_risks": gettext_noop("At most five risk types; {count} were given."),
}


def problem(code: str, /, **params: Any) -> Problem:
    return Problem(code, MESSAGES[code], params)


# --- cells ------------------------------------------------------------------------------------

_MONTH_PATTERNS = (
    re.compile(r"(\d{4})(\d{2})(?:\d{2})?(?:\.0+)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(?:\d{1,2}日?)?"),
    re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)?"),
)


def parse_month(text: Any) -> tuple[date | None, Problem | None]:
    """``YYYYMM``, ``YYYYMMDD``, ``YYYY年MM月``, ``YYYY-MM`` (or a date cell) → the month's first day."""
    s = fold(text)
    if not s:
        return None, None
    for pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(s)
        if match:
            year, month = int(match[1]), int(match[2])
            if 1949 <= year <= 2100 and 1 <= month <= 12:
                return date(year, month, 1), None
            break
    return None, problem("bad_month", value=str(text))


def month_text(day: date | None) -> str:
    return f"{day:%Y%m}" if day else ""


def split_multi(text: Any) -> list[str]:
    """A multi-select cell's labels: comma-joined (also 、，;/), trimmed, blanks and repeats dropped."""
    s = fold(text)
    if not s:
        return []
    parts = re.split(f"[{re.escape(layout.MULTI_SEPARATORS)}]", s)
    seen: list[str] = []
    for part in parts:
        part = part.strip()
        if part and part not in seen and part not in ("无", "/"):
            seen.append(part)
    return seen


# --- what is read -----------------------------------------------------------------------------


@dataclass(slots=True)
class CaseRecord:
    """The monitoring record of one household as the export gives it (None fields: blank cells)."""

    category: str
    risks: list[str]  # risk-type codes in cell order (the disaster kind after 因自然灾害)
    eliminated: bool
    identified_on: date | None
    eliminated_on: date | None
    mode: str
    safety_net: bool
    contact_name: str
    contact_phone: str
    measures: list[tuple[str, str]]  # (measure-type code, sub-items joined with ",")

    def digest_values(self) -> list[Any]:
        return [self.category, self.risks, self.eliminated, str(self.identified_on), str(self.eliminated_on),
                self.mode, self.safety_net, self.contact_name, self.contact_phone, self.measures]


@dataclass(slots=True)
class NationalHousehold:
    """One household of the export: its rows, monitoring record and the raw text kept for export."""

    number: str  # the national 户编号
    first_row: int
    sheet: str
    ok: bool = True
    rows: list[int] = field(default_factory=list)
    cells: dict[str, Any] = field(default_factory=dict)  # household-level raw cells (first non-blank)
    cell_rows: dict[str, int] = field(default_factory=dict)
    record: CaseRecord | None = None
    household_type: str = ""
    village: str = ""
    people_raw: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)
    year: YearRow | None = None
    certificates: dict[str, tuple[int | None, str]] = field(default_factory=dict)  # id_index → (grade, category)
    digest: str = ""
    case_digest: str = ""
    phone: str = ""  # 户联系电话
    after: YearRow | None = None  # the income record after elimination (FI–FU), for its year

    def household_values(self) -> dict[str, str]:
        """The household's cells as text for the export, without the phone numbers (kept encrypted)."""
        return {k: str(v) for k, v in self.cells.items() if v not in (None, "") and k not in layout.PHONE_KEYS}


class NationalReading:
    """The reading part of :class:`.importer.NationalImport`."""

    # cells

    def _label(self, table: str, raw: Any, blank: Any = None) -> tuple[Any, Problem | None]:
        choices: Choices = self.choices[table]
        return self._memo_parse(f"t:{table}", raw, lambda v: choices.parse(v, blank=blank))

    def _health(self, raw: Any) -> tuple[Any, Problem | None]:
        parts = split_multi(raw)
        if not parts:
            return Health.HEALTHY, None
        found = []
        for part in parts:
            value, prob = self._label("health", part)
            if prob is not None:
                return None, engine_problem("unknown_choice", value=part,
                                            choices="、".join(self.choices["health"].labels))
            found.append(value)
        return next(h for h in layout.HEALTH_ORDER if h in found), None

    def _schooling(self, raw: Any) -> tuple[Any, Problem | None]:
        value, prob = self._label("schooling", raw, blank=Schooling.NONE)
        if prob is None:
            return value, None
        folded = fold(raw)
        for pattern, choice in _SCHOOLING_PATTERNS:
            if pattern.search(folded):
                return choice, None
        return None, prob

    def _id(self, table: Table, cells: dict[str, Any], member: MemberRow, hh: NationalHousehold) -> None:
        row, raw = member.row, cells["id_number"]
        if raw is None:
            self._error(table, row, "id_number", "", engine_problem("required"))
            member.ok = False
            return
        if cells.get("_num_id_number"):
            self._error(table, row, "id_number", raw, Problem("numeric_cell", ID_ERRORS["numeric_cell"]))
            member.ok = False
            return
        text = fold(raw).upper().replace(" ", "")
        if text.startswith("999999"):
            self._error(table, row, "id_number", raw, problem("placeholder_id"))
            member.ok = False
            return
        certificate: tuple[int | None, str] | None = None
        if len(text) in (20, 22) and text[18:].isdigit():
            grade = int(text[19]) if text[19] in "1234" else None
            certificate = (grade, text[18])
            text = text[:18]
        elif len(text) not in (15, 18):
            self._error(table, row, "id_number", raw, problem("bad_certificate"))
            member.ok = False
            return
        if not self._take_id(table, row, raw, text, member, self.counties_known):
            return
        if certificate is not None:
            hh.certificates[member.id_index] = certificate
            if member.values.get("_id_type") != IdType.DISABILITY:
                self._warn(table, row, "id_number", raw, problem(
                    "disability_certificate", masked=mask_id_number(member.id_number), grade=certificate[0] or "?"))

    # rows

    def _read_people(self, table: Table) -> None:
        has = table.has
        person_keys = [k for k in layout.PERSON_KEYS if has(k)]
        household_keys = [k for k in (*HOUSEHOLD_KEYS, *EXTRA_HOUSEHOLD_KEYS) if has(k)]
        extra_person = [k for k in EXTRA_PERSON_KEYS if has(k)]
        total = table.frame.height
        for done, cells in enumerate(table.rows(), start=1):
            if done % 10000 == 0:
                self.progress(done, total, gettext_noop("Checking people"))
            row = cells["_row"]
            number = self._number(table, cells)
            member = MemberRow(row=row, number=number or "", ok=number is not None)
            if number is None:
                self.rejected_rows += 1
                continue
            hh = self.national.get(number)
            if hh is None:
                hh = self.national[number] = NationalHousehold(number=number, first_row=row, sheet=table.sheet)
            hh.rows.append(row)
            # household-level columns: the first non-blank value, later rows must agree
            for key in household_keys:
                value = cells[key]
                if value is None:
                    continue
                first = hh.cells.get(key)
                if first is None:
                    hh.cells[key] = value
                    hh.cell_rows[key] = row
                elif first != value and fold(first) != fold(value) and not self._same_amount(key, first, value):
                    self._error(table, row, key, value, problem(
                        "household_values_differ", number=number, column=table.header(key), row=hh.cell_rows[key],
                        first=first))
                    member.ok = False
            self._read_person(table, cells, member, hh, person_keys)
            # raw labels for the export; never the numbers, the name or the full birth date (DESIGN.md §5)
            raw = {k: cells[k] for k in (*person_keys, *extra_person) if cells[k] is not None and k not in (
                "id_number", "phone", "name", "birth")}
            if member.id_index in hh.certificates:
                raw["disability_category"] = hh.certificates[member.id_index][1]
            member.key = member.id_index or f"name:{member.values.get('name', '')}"
            hh.people_raw[member.key] = raw
            hh.members.append(member)

    @staticmethod
    def _same_amount(key: str, a: Any, b: Any) -> bool:
        if key not in INCOME_KEYS and key != "per_capita":
            return False
        va, pa = parse_amount(a)
        vb, pb = parse_amount(b)
        return pa is None and pb is None and va == vb

    def _read_person(self, table: Table, cells: dict[str, Any], member: MemberRow, hh: NationalHousehold,
                     keys: list[str]) -> None:
        row = member.row
        values = member.values
        name, prob = parse_text(cells["name"], blank=REQUIRED, max_length=60)
        self._accept(table, row, "name", cells["name"], prob, member)
        values["name"] = name or ""
        if "id_type" in keys:
            id_type, prob = self._label("id_type", cells["id_type"], blank=IdType.RESIDENT)
            if self._accept(table, row, "id_type", cells["id_type"], prob, member):
                values["_id_type"] = id_type
        self._id(table, cells, member, hh)
        values.pop("_id_type", None)
        relation, prob = self._label("relation", cells["relation"], blank=REQUIRED)
        self._accept(table, row, "relation", cells["relation"], prob, member)
        values["relation"] = relation
        if "sex" in keys and cells["sex"] is not None:
            sex, prob = self._label("sex", cells["sex"])
            if prob is not None and not member.id_number:
                self._accept(table, row, "sex", cells["sex"], prob, member)
            elif member.id_number and sex and sex != values.get("sex"):
                self._warn(table, row, "sex", cells["sex"], Problem(
                    "sex_mismatch", gettext_noop("The sex “{value}” does not match the ID number; the ID number is "
                                                 "used."), {"value": cells["sex"]}))
            elif not member.id_number:
                values["sex"] = sex or ""
        for key, parse in (
            ("education", lambda v: self._label("education", v, blank="")),
            ("schooling", self._schooling),
            ("health", lambda v: self._memo_parse("health", v, self._health)),
            ("labour", lambda v: self._label("labour", v, blank=Labour.ORDINARY)),
            ("dibao", lambda v: self._label("dibao", v, blank=False)),
            ("tekun", lambda v: self._label("tekun", v, blank=False)),
            ("ethnicity", lambda v: parse_text(v, max_length=20)),
            ("work_location", lambda v: parse_text(v, max_length=100)),
            ("work_months", lambda v: parse_int(v, low=0, high=12)),
        ):
            if key in keys:
                value, prob = parse(cells[key])
                if self._accept(table, row, key, cells[key], prob, member):
                    values[key] = value
        for field_name, columns, default in (
            ("medical_insured", ("medical_resident", "medical_employee"), True),
            ("pension_insured", ("pension_resident", "pension_employee"), False),
        ):
            present = [c for c in columns if c in keys]
            if not present:
                continue
            flags = []
            for key in present:
                flag, prob = self._label("yesno", cells[key])
                if self._accept(table, row, key, cells[key], prob, member) and flag is not None:
                    flags.append(flag)
            values[field_name] = any(flags) if flags else default
        if "phone" in keys:
            phone, prob = parse_phone(cells["phone"])
            self._accept(table, row, "phone", cells["phone"], prob, member)
            member.phone = phone

    # households

    def _read_household(self, table: Table, hh: NationalHousehold) -> None:
        """The household-level columns of ``hh`` parsed: type, village, year, monitoring record."""
        cells = hh.cells
        at = hh.cell_rows.get

        def label(key: str, table_name: str, blank: Any = None) -> Any:
            if cells.get(key) is None:
                return blank
            value, prob = self._label(table_name, cells[key], blank=blank)
            if prob is not None:
                self._error(table, at(key), key, cells[key], prob)
                hh.ok = False
            return value

        hh.household_type = label("household_type", "household_type", blank="ordinary") or "ordinary"
        phone, prob = parse_phone(cells.get("household_phone"))
        if prob is not None:
            self._error(table, at("household_phone"), "household_phone", cells.get("household_phone"), prob)
            hh.ok = False
        hh.phone = phone or ""
        village_text = "".join(fold(cells.get(k)) for k in ("township", "village") if cells.get(k))
        if village_text:
            code, prob = self._memo_parse("village_name", village_text, self._village_by_name)
            if prob is None and cells.get("township") and not code:
                prob = engine_problem("required")
            if prob is not None:
                # "乡 + 村" not found: try the village name alone (a township named differently)
                alone, prob_alone = self._memo_parse("village_name", fold(cells.get("village")),
                                                     self._village_by_name)
                if prob_alone is None:
                    code, prob = alone, None
            if prob is not None:
                self._error(table, at("village") or hh.first_row, "village", cells.get("village"), prob)
                hh.ok = False
            else:
                hh.village = code
        else:
            self._error(table, hh.first_row, "village", "", engine_problem("required"))
            hh.ok = False
        # the year's incomes and guarantees
        year = YearRow(row=hh.first_row, number=hh.number, year=self.year)
        for key in INCOME_KEYS:
            if key in cells:
                value, prob = parse_amount(cells[key])
                if prob is not None:
                    self._error(table, at(key), key, cells[key], prob)
                    hh.ok = False
                else:
                    year.values[key] = value
        for key, field_name in (("dangerous_house", "housing_grade"), ("water_secured", "water_secured"),
                                ("dropout", "dropout")):
            flag = label(key, "yesno")
            if flag is not None:
                year.values[field_name] = ("C" if flag else "A") if key == "dangerous_house" else flag
        hh.year = year if year.values else None
        hh.record = self._read_record(table, hh, label)
        hh.after = self._read_after_elimination(table, hh, label)

    def _read_after_elimination(self, table: Table, hh: NationalHousehold, label) -> YearRow | None:
        """The block after elimination (FI–FU) as the income record of the elimination year, when that is
        not the import's year (whose own columns win)."""
        record = hh.record
        if record is None or not record.eliminated or record.eliminated_on is None:
            return None
        if record.eliminated_on.year == self.year or not any(hh.cells.get(k) for k, _c in AFTER_AMOUNTS):
            return None
        entry = YearRow(row=hh.first_row, number=hh.number, year=record.eliminated_on.year)
        for key, field_name in AFTER_AMOUNTS:
            value, prob = parse_amount(hh.cells.get(key))
            if prob is not None:
                self._error(table, hh.cell_rows.get(key), key, hh.cells.get(key), prob)
                hh.ok = False
            else:
                entry.values[field_name] = value
        for key, field_name in (("post_housing", "housing_grade"), ("post_water", "water_secured"),
                                ("post_dropout", "dropout")):
            flag = label(key, "yesno")
            if flag is not None:  # 是 means damaged (住房损毁, 饮水设施损毁) or a dropout
                entry.values[field_name] = {"housing_grade": "C" if flag else "A", "water_secured": not flag,
                                            "dropout": flag}[field_name]
        return entry

    def _read_record(self, table: Table, hh: NationalHousehold, label) -> CaseRecord | None:
        cells = hh.cells
        at = hh.cell_rows.get
        category = label("category", "category")
        monitoring_keys = ("eliminated", "identified_month", "eliminated_month", "elimination_mode", *RISK_KEYS)
        if category is None:
            if cells.get("category") is None and any(cells.get(k) for k in monitoring_keys):
                self._warn(table, hh.first_row, "category", "", problem("not_monitored_details"))
            return None
        risks: list[str] = []
        for key in RISK_KEYS:
            for part in split_multi(cells.get(key)):
                code, prob = self._label("risk", part)
                if prob is not None:
                    self._error(table, at(key), key, part, prob)
                    hh.ok = False
                elif code not in risks:
                    risks.append(code)
        if len(risks) > 5:
            self._error(table, at("risk1"), "risk1", cells.get("risk1"), problem("too_many_risks", count=len(risks)))
            hh.ok = False
        kind = label("disaster_kind", "disaster_kind")
        if kind and kind not in risks:
            risks.append(kind)
        identified, prob = parse_month(cells.get("identified_month"))
        if prob is not None:
            self._error(table, at("identified_month"), "identified_month", cells["identified_month"], prob)
            hh.ok = False
        elif identified is None:
            self._error(table, hh.first_row, "identified_month", "", problem("no_identified_month"))
            hh.ok = False
        eliminated = bool(label("eliminated", "yesno", blank=False))
        eliminated_on, prob = parse_month(cells.get("eliminated_month"))
        if prob is not None:
            self._error(table, at("eliminated_month"), "eliminated_month", cells["eliminated_month"], prob)
            hh.ok = False
        mode = label("elimination_mode", "elimination_mode", blank="") or ""
        if eliminated and eliminated_on is None and prob is None:
            self._warn(table, hh.first_row, "eliminated_month", "", problem("no_eliminated_month"))
        if not eliminated:
            eliminated_on, mode = None, ""
        if identified and eliminated_on and eliminated_on < identified:
            self._error(table, at("eliminated_month"), "eliminated_month", cells.get("eliminated_month"), problem(
                "month_order", eliminated=month_text(eliminated_on), identified=month_text(identified)))
            hh.ok = False
        contact_phone, prob = parse_phone(cells.get("contact_phone"))
        if prob is not None:
            self._error(table, at("contact_phone"), "contact_phone", cells.get("contact_phone"), prob)
            hh.ok = False
        contact_name, prob = parse_text(cells.get("contact_name"), max_length=60)
        if prob is not None:
            self._error(table, at("contact_name"), "contact_name", cells.get("contact_name"), prob)
            hh.ok = False
        measures = []
        for key, _header, code, _synonyms in MEASURE_COLUMNS:
            items = split_multi(cells.get(key))
            if items:
                measures.append((code, ",".join(items)[:500]))
        return CaseRecord(
            category=category, risks=risks, eliminated=eliminated, identified_on=identified,
            eliminated_on=eliminated_on, mode=mode, safety_net=bool(label("no_labour_safety_net", "yesno")),
            contact_name=contact_name or "", contact_phone=contact_phone or "", measures=measures,
        )

    def _check_per_capita(self, table: Table, hh: NationalHousehold) -> None:
        given_text = hh.cells.get("per_capita")
        if not given_text or hh.year is None or not hh.members:
            return
        given, prob = parse_amount(given_text, allow_negative=True)
        if prob is not None:
            self._error(table, hh.cell_rows["per_capita"], "per_capita", given_text, prob)
            hh.ok = False
            return
        values = hh.year.values
        net = sum((values.get(k, Decimal(0)) for k in INCOME_KEYS[:4]), Decimal(0)) - values.get(
            "business_costs", Decimal(0))
        computed = (net / len(hh.members)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if abs(computed - given) > 1:
            self._warn(table, hh.cell_rows["per_capita"], "per_capita", given_text,
                       problem("per_capita_differs", given=given, computed=computed))

    # the work-monitoring sheet

    def _read_work(self, table: Table) -> None:
        keys = [c.key for c in layout.WORK_COLUMNS if table.has(c.key) and c.key not in ("number", "id_number")]
        people: dict[str, tuple[NationalHousehold, MemberRow]] = {
            m.id_index: (hh, m) for hh in self.national.values() for m in hh.members if m.id_index
        }
        for cells in table.rows():
            row = cells["_row"]
            raw = cells["id_number"]
            number = self._number(table, cells)
            text = fold(raw).upper()[:18]
            try:
                index = crypto.blind_index(parse_id_number(text, today=self.today).number)
            except IdNumberError as exc:
                self._error(table, row, "id_number", raw, Problem(exc.code, ID_ERRORS[exc.code], dict(exc.params)))
                self.work_rejected += 1
                continue
            found = people.get(index)
            if found is None or (number and found[0].number != number):
                self._error(table, row, "id_number", raw, problem("spell_unknown_person"))
                self.work_rejected += 1
                continue
            hh, member = found
            spell = {k: cells[k] for k in keys if cells[k] is not None}
            for key in ("start", "end"):
                if cells.get(key) is not None:
                    _day, prob = parse_month(cells[key])
                    if prob is not None:
                        self._error(table, row, key, cells[key], prob)
                        hh.ok = False
            hh.people_raw.setdefault(member.key, {}).setdefault("spells", []).append(spell)

    def _apply_spells(self, hh: NationalHousehold) -> None:
        """Months worked in the import's year and the last place of work, from the spells, where the person
        sheet leaves them blank."""
        for member in hh.members:
            spells = hh.people_raw.get(member.key, {}).get("spells")
            if not spells:
                continue
            months = 0
            place = ""
            for spell in spells:
                start, _p = parse_month(spell.get("start"))
                end, _p = parse_month(spell.get("end"))
                if start is None:
                    continue
                first = max(start, date(self.year, 1, 1))
                last = min(end or date(self.year, 12, 1), date(self.year, 12, 1))
                if last >= first:
                    months += (last.year - first.year) * 12 + last.month - first.month + 1
                place = spell.get("work_county") or place
            member.values.setdefault("work_months", min(months, 12))
            if place:
                member.values.setdefault("work_location", str(place)[:100])

    # digests

    def _case_digest(self, hh: NationalHousehold) -> None:
        """The digest of the monitoring record: a later export with the same record leaves a case alone."""
        if hh.record is not None:
            payload = json.dumps(hh.record.digest_values(), ensure_ascii=False, default=str)
            hh.case_digest = hashlib.sha256(payload.encode()).hexdigest()
